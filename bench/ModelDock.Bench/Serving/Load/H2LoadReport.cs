using System.Globalization;
using System.Text.RegularExpressions;

namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// The counters h2load prints at the end of a run. h2load prints no percentiles, so latencies come
/// from its per-request log instead (<see cref="H2LoadLog"/>).
/// </summary>
internal sealed partial record H2LoadReport(long Done, long Status2xx, long DataBytes)
{
    /// <summary>Parses h2load's summary; throws naming the line that is missing, so a changed format is noticed.</summary>
    public static H2LoadReport Parse(string output)
    {
        var requests = Match(RequestsLine(), output, "requests:");
        var status = Match(StatusLine(), output, "status codes:");
        var traffic = Match(TrafficLine(), output, "traffic:");
        return new H2LoadReport(Long(requests, 1), Long(status, 1), Long(traffic, 1));
    }

    private static Match Match(Regex regex, string output, string line)
    {
        var match = regex.Match(output);
        return match.Success
            ? match
            : throw new InvalidOperationException($"h2load printed no '{line}' line:\n{output}");
    }

    private static long Long(Match match, int group) => long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"requests: \d+ total, \d+ started, (\d+) done")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"status codes: (\d+) 2xx")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"traffic: .*\((\d+)\) data")]
    private static partial Regex TrafficLine();
}
