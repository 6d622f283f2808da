using Microsoft.Extensions.Options;
using ModelDock.PayloadLog;

namespace ModelDock.Server.Hosting;

/// <summary>Sample rates are percents, buffers and rolls positive; every problem named by its key, in one line.</summary>
internal sealed class PayloadLogOptionsValidator : IValidateOptions<PayloadLogOptions>
{
    public ValidateOptionsResult Validate(string? name, PayloadLogOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail("Invalid payload log options: " + string.Join("; ", problems) + ".");
    }
}
