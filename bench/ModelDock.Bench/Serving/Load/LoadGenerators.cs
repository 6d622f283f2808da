namespace ModelDock.Bench.Serving.Load;

/// <summary>Picks the external load generators a run uses.</summary>
internal static class LoadGenerators
{
    public const string H2Load = "h2load";
    public const string Wrk = "wrk";

    public static readonly IReadOnlyList<string> Known = [H2Load, Wrk];

    /// <param name="requested">Generators asked for by name; null = every one that is installed.</param>
    /// <param name="threads">Threads each generator runs (never more than its connections).</param>
    public static IReadOnlyList<ILoadGenerator> Resolve(IReadOnlyList<string>? requested, int threads)
    {
        var generators = new List<ILoadGenerator>();
        foreach (var name in requested ?? Known)
        {
            var executable = Executables.Find(name);
            if (executable is null && requested is not null)
            {
                throw new ArgumentException($"--load-generator: {name} is not on the PATH ({InstallHint(name)}).");
            }

            if (executable is not null)
            {
                generators.Add(name == H2Load ? new H2LoadGenerator(executable, threads) : new WrkGenerator(executable, threads));
            }
        }

        return generators;
    }

    public static string InstallHint(string name) => name == H2Load
        ? "Debian: apt-get install nghttp2-client"
        : "Debian: apt-get install wrk";
}
