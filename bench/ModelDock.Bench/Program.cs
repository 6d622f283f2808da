using System.Globalization;
using ModelDock.Bench.Features;
using ModelDock.Bench.Serving;

// Dispatch on the first argument; each benchmark parses the rest of the line itself.
const string Usage =
    """
    usage: ModelDock.Bench <benchmark> [options]

    benchmarks:
      features-history <work-dir> <entity-rows> <source-rows> <keys>
      features-online [--redis host:port] [--seconds N]
      serving [options below]
    """;

if (args.Length == 0)
{
    return PrintUsage();
}

try
{
    switch (args)
    {
        case ["features-online", .. var onlineArgs]:
            return await OnlineRetrievalBenchmark.RunAsync(onlineArgs);
        case ["serving", ..]:
            return await ServingBenchmark.RunAsync(ServingOptions.Parse(args[1..]));
        case ["features-history", var workDir, var entityRows, var sourceRows, var keys]:
            HistoricalRetrievalBenchmark.Run(
                workDir,
                long.Parse(entityRows, CultureInfo.InvariantCulture),
                long.Parse(sourceRows, CultureInfo.InvariantCulture),
                long.Parse(keys, CultureInfo.InvariantCulture),
                Console.Out);
            return 0;
        default:
            return PrintUsage();
    }
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
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
