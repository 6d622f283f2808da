using Microsoft.Extensions.Options;

namespace ModelDock.Server.Hosting;

/// <summary>Runs at start-up (<c>ValidateOnStart</c>): a setting from appsettings.json or the environment that is out of range stops the host, naming it.</summary>
internal sealed class ModelDockServerOptionsValidator : IValidateOptions<ModelDockServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelDockServerOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(ModelDockServerOptions.Describe(problems));
    }
}
