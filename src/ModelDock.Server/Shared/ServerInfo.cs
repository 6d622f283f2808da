using System.Reflection;

namespace ModelDock.Server.Shared;

/// <summary>What the server metadata call reports over both transports.</summary>
internal static class ServerInfo
{
    public const string Name = "modeldock";

    /// <summary>Triton's extension names, for the extensions whose semantics ModelDock implements.</summary>
    public static readonly IReadOnlyList<string> Extensions =
        ["binary_tensor_data", "classification", "model_repository", "model_configuration", "statistics", "parameters", "schedule_policy"];

    public static readonly string Version = ReadVersion();

    private static string ReadVersion()
    {
        var version = typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
