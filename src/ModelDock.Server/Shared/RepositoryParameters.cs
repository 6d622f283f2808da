using ModelDock.Errors;

namespace ModelDock.Server.Shared;

/// <summary>
/// Checks the parameters of the model repository extension's load and unload calls. ModelDock loads
/// from its repository only, so Triton's <c>config</c> and <c>file:</c> overrides are refused by name
/// rather than silently ignored.
/// </summary>
internal static class RepositoryParameters
{
    public static void CheckLoad(string model, IEnumerable<string> keys)
    {
        if (keys.FirstOrDefault() is { } key)
        {
            throw ModelDockException.InvalidInput(
                $"load of model '{model}': parameter '{key}' is not supported; models are loaded from the repository as they are");
        }
    }

    public static void CheckUnload(string model, IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            if (key != "unload_dependents")
            {
                throw ModelDockException.InvalidInput(
                    $"unload of model '{model}': parameter '{key}' is not supported; the only one is 'unload_dependents'");
            }
        }
    }
}
