using Microsoft.Extensions.Options;
using ModelDock.Access;
using ModelDock.Server.Hosting;

namespace ModelDock.Server.Access;

/// <summary>
/// Refuses to start a server that other machines can reach, or that requires keys, while no admin key exists: such a
/// server could never be changed, and an operator would otherwise find out only when the first change is refused.
/// </summary>
internal sealed class AdminKeyValidator(IServiceProvider services) : IValidateOptions<ModelDockServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelDockServerOptions options)
    {
        if (options.Access == AccessMode.Open)
        {
            return ValidateOptionsResult.Success;
        }

        var why = options.RequireAuth ? "RequireAuth is set" : $"Host {options.Host} is reachable from other machines";
        if (services.GetService(typeof(ApiKeys)) is not ApiKeys keys)
        {
            return ValidateOptionsResult.Fail($"{why}, so changes need an admin key, but this server has no key store to check keys against.");
        }

        // Start-up runs once, before anything listens; blocking on the store here is the simplest correct choice.
        return keys.AnyAdminAsync(CancellationToken.None).GetAwaiter().GetResult()
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{why}, so changes need an admin key and none exists: create one with 'modeldock keys create --role admin' against the same data folder or store.");
    }
}
