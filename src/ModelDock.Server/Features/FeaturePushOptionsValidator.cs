using Microsoft.Extensions.Options;
using ModelDock.Features.Push;

namespace ModelDock.Server.Features;

/// <summary>Skew not negative, rolls positive; every problem named by its key, in one line.</summary>
internal sealed class FeaturePushOptionsValidator : IValidateOptions<FeaturePushOptions>
{
    public ValidateOptionsResult Validate(string? name, FeaturePushOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail("Invalid feature push options: " + string.Join("; ", problems) + ".");
    }
}
