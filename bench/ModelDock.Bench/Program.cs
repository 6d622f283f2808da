using System.Globalization;
using ModelDock.Bench.Features;

if (args is ["features-history", var workDir, var entityRows, var sourceRows, var keys])
{
    HistoricalRetrievalBenchmark.Run(
        workDir,
        long.Parse(entityRows, CultureInfo.InvariantCulture),
        long.Parse(sourceRows, CultureInfo.InvariantCulture),
        long.Parse(keys, CultureInfo.InvariantCulture),
        Console.Out);
}

return 0;
