using System.Globalization;

namespace ModelDock.Bench.Serving;

/// <summary>
/// h2load's per-request log (<c>--log-file</c>): tab-separated start time in microseconds since the
/// epoch, HTTP status (-1 for a failed stream) and microseconds until the end of the response.
/// </summary>
internal static class H2LoadLog
{
    /// <summary>
    /// Latencies in microseconds of the successful requests that started at or after
    /// <paramref name="windowStartMicroseconds"/>, sorted.
    /// </summary>
    public static long[] SuccessfulLatencies(IEnumerable<string> lines, long windowStartMicroseconds)
    {
        var latencies = new List<long>();
        foreach (var line in lines)
        {
            var columns = line.Split('\t');
            if (columns.Length < 3)
            {
                continue;
            }

            var start = long.Parse(columns[0], CultureInfo.InvariantCulture);
            var status = int.Parse(columns[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            if (start >= windowStartMicroseconds && status is >= 200 and < 300)
            {
                latencies.Add(long.Parse(columns[2], CultureInfo.InvariantCulture));
            }
        }

        latencies.Sort();
        return [.. latencies];
    }

    /// <summary>Nearest-rank percentile of sorted microsecond samples, in milliseconds.</summary>
    public static double PercentileMilliseconds(long[] sorted, double quantile)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(quantile * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)] / 1000.0;
    }
}
