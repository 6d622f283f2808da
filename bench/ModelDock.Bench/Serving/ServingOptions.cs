namespace ModelDock.Bench.Serving;

/// <summary>The <c>serving</c> benchmark's command line, with the defaults the published table uses.</summary>
internal sealed record ServingOptions : BenchOptions
{
    public const string Usage =
        """
        serving  [--concurrency 1,16,64] [--rounds N] [--targets raw,bare,bare-grpc,naive,inprocess,json,binary,grpc]
        """;

    public static readonly IReadOnlyList<string> KnownTargets = ["raw", "bare", "bare-grpc", "naive", "inprocess", "json", "binary", "grpc", "endpoint"];

    /// <summary>Interleaved repetitions of every point; the table shows the median.</summary>
    public int Rounds { get; init; } = 3;

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 16, 64];

    public static ServingOptions Parse(IReadOnlyList<string> args) =>
        Parse(args, new ServingOptions { Targets = new HashSet<string>(KnownTargets) }, KnownTargets, (options, name, value) => name switch
        {
            "--rounds" => options with { Rounds = PositiveInt(name, value) },
            "--concurrency" => options with { Concurrency = [.. List(value).Select(v => PositiveInt(name, v))] },
            _ => null,
        });
}
