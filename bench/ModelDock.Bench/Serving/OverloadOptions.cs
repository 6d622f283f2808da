namespace ModelDock.Bench.Serving;

/// <summary>The <c>overload</c> benchmark's command line.</summary>
internal sealed record OverloadOptions : BenchOptions
{
    public const string Usage =
        """
        overload [--connections 16,64,256,1000] [--overload-factors 2,10] [--rows N] [--targets naive,json]
        """;

    public static readonly IReadOnlyList<string> KnownTargets = ["naive", "json"];

    /// <summary>Connection counts of the ramp that finds the peak.</summary>
    public IReadOnlyList<int> Connections { get; init; } = [16, 64, 256, 1000];

    /// <summary>Multiples of the peak's connection count measured after the ramp.</summary>
    public IReadOnlyList<int> OverloadFactors { get; init; } = [2, 10];

    /// <summary>Model rows per request: a full batch, so each request is a real unit of work.</summary>
    public int Rows { get; init; } = 32;

    /// <summary>The largest connection count the plan may reach.</summary>
    public int MaxConnections => Connections.Max() * OverloadFactors.Max();

    public static OverloadOptions Parse(IReadOnlyList<string> args) =>
        Parse(
            args,
            // Thousands of connections take a while to open and the server a while to settle under them.
            new OverloadOptions { Targets = new HashSet<string>(KnownTargets), DurationSeconds = 5, WarmUpSeconds = 2 },
            KnownTargets,
            (options, name, value) => name switch
            {
                "--connections" => options with { Connections = [.. List(value).Select(v => PositiveInt(name, v))] },
                "--overload-factors" => options with { OverloadFactors = [.. List(value).Select(v => PositiveInt(name, v))] },
                "--rows" => options with { Rows = PositiveInt(name, value) },
                _ => null,
            });
}
