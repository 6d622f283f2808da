using ModelDock.Fuzz.Engine;
using ModelDock.Fuzz.Targets;

namespace ModelDock.Fuzz;

/// <summary>Every entry point the fuzzer covers, by name.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All(FuzzHost host) =>
    [
        new RestInferTarget(host, RestInferTarget.Body.Json),
        new RestInferTarget(host, RestInferTarget.Body.Binary),
        new RestInferTarget(host, RestInferTarget.Body.Compressed),
        new RestRoutesTarget(host),
        new FeatureApiTarget(host),
        new AdminApiTarget(host),
        new GrpcTarget(host, stream: false),
        new GrpcTarget(host, stream: true),
        new ModelConfigTarget(),
        new FeatureYamlTarget(),
        new OnnxFileTarget(),
        new ServerSettingsTarget(),
    ];

    /// <summary>The targets named in <paramref name="names"/> (all when empty); an unknown name is an <see cref="ArgumentException"/>.</summary>
    public static IReadOnlyList<IFuzzTarget> Select(FuzzHost host, IReadOnlyCollection<string> names)
    {
        var all = All(host);
        var unknown = names.Except(all.Select(t => t.Name), StringComparer.OrdinalIgnoreCase).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown target(s) {string.Join(", ", unknown)}; known: {string.Join(", ", all.Select(t => t.Name))}");
        }

        return names.Count == 0 ? all : [.. all.Where(t => names.Contains(t.Name, StringComparer.OrdinalIgnoreCase))];
    }
}
