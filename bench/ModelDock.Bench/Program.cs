using System.Globalization;
using ModelDock.Bench.Features;
using ModelDock.Bench.Serving;
using ModelDock.Bench.Serving.Servers;

// Dispatch on the first argument; each benchmark parses the rest of the line itself.
const string Usage =
    """
    usage: ModelDock.Bench <benchmark> [options]

    benchmarks:
      features-history <work-dir> <entity-rows> <source-rows> <keys>
      features-online [--redis host:port] [--seconds N]
      features-online-reads [--redis host:port] [--seconds N]
      features-push [--seconds N] [--concurrency N] [--to offline|online_and_offline]
      serving [options below]
      overload [options below]
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
        case ["features-online-reads", .. var readArgs]:
            return await OnlineReadPathBenchmark.RunAsync(readArgs);
        case ["features-push", .. var pushArgs]:
            return await PushBenchmark.RunAsync(pushArgs);
        case ["serving", ..]:
            return await ServingBenchmark.RunAsync(ServingOptions.Parse(args[1..]));
        case ["overload", ..]:
            return await OverloadBenchmark.RunAsync(OverloadOptions.Parse(args[1..]));
        case [ServeTargetCommand.Verb, ..]:
            return await ServeTargetCommand.RunAsync(args[1..]);
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
catch (InvalidOperationException ex)
{
    // A server that answered wrongly or died, or a load generator that failed: the message says which.
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}

static int PrintUsage()
{
    Console.Error.WriteLine(Usage);
    Console.Error.WriteLine("  " + ServingOptions.Usage);
    Console.Error.WriteLine("  " + OverloadOptions.Usage);
    Console.Error.WriteLine("  options of both:");
    Console.Error.WriteLine("    " + BenchOptions.SharedUsage.Replace("\n", "\n    ", StringComparison.Ordinal));
    return 2;
}
