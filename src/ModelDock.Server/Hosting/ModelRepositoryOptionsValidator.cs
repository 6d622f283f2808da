using Microsoft.Extensions.Options;
using ModelDock.Repository;

namespace ModelDock.Server.Hosting;

/// <summary>The repository folder must be named; a poll interval cannot be negative.</summary>
internal sealed class ModelRepositoryOptionsValidator : IValidateOptions<ModelRepositoryOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelRepositoryOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.RepositoryPath))
        {
            problems.Add("ModelDock:ModelRepository:RepositoryPath must name the model repository folder");
        }

        if (options.PollInterval is { } interval && interval < TimeSpan.Zero)
        {
            problems.Add($"ModelDock:ModelRepository:PollInterval must be zero (off) or positive, not {interval}");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail("Invalid model repository options: " + string.Join("; ", problems) + ".");
    }
}
