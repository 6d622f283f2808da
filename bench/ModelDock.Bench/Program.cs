using ModelDock.Bench.Serving;

const string Usage =
    """
    usage: ModelDock.Bench <benchmark> [options]

    benchmarks:
    """;

if (args.Length == 0)
{
    PrintUsage();
    return 2;
}

try
{
    return args[0] switch
    {
        "serving" => await ServingBenchmark.RunAsync(ServingOptions.Parse(args[1..])),
        _ => PrintUsage(),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return PrintUsage();
}

static int PrintUsage()
{
    Console.Error.WriteLine(Usage);
    Console.Error.WriteLine("  " + ServingOptions.Usage.Replace("\n", "\n  ", StringComparison.Ordinal));
    return 2;
}
