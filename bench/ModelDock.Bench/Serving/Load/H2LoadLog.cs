using System.Globalization;

namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// h2load's per-request log (<c>--log-file</c>): tab-separated start time in microseconds since the
/// epoch, HTTP status (-1 for a failed stream) and microseconds until the end of the response.
/// </summary>
/// <param name="SuccessfulLatencies">Latencies in microseconds of the 2xx answers, sorted.</param>
/// <param name="Rejected">Answers with 429 or 503: the server refused the work for lack of capacity.</param>
internal sealed record H2LoadLog(long[] SuccessfulLatencies, long Rejected)
{
    /// <summary>Reads the requests that started at or after <paramref name="windowStartMicroseconds"/>.</summary>
    public static H2LoadLog Read(IEnumerable<string> lines, long windowStartMicroseconds)
    {
        var latencies = new List<long>();
        long rejected = 0;
        foreach (var line in lines)
        {
            var columns = line.Split('\t');
            if (columns.Length < 3)
            {
                continue;
            }

            var start = long.Parse(columns[0], CultureInfo.InvariantCulture);
            if (start < windowStartMicroseconds)
            {
                continue;
            }

            var status = int.Parse(columns[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            if (status is >= 200 and < 300)
            {
                latencies.Add(long.Parse(columns[2], CultureInfo.InvariantCulture));
            }
            else if (status is 429 or 503)
            {
                rejected++;
            }
        }

        latencies.Sort();
        return new H2LoadLog([.. latencies], rejected);
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
