using System.Globalization;
using System.Text.RegularExpressions;

namespace ModelDock.Bench.Serving.Load;

/// <summary>The line <see cref="WrkScript"/>'s <c>done</c> hook prints at the end of a wrk run.</summary>
/// <param name="Succeeded">2xx answers.</param>
/// <param name="Rejected">429 and 503 answers.</param>
/// <param name="Other">Answers with any other status.</param>
/// <param name="SocketErrors">Connect, read, write errors and timeouts.</param>
/// <param name="P50Microseconds">Median latency over every answer, whatever its status.</param>
internal sealed partial record WrkReport(
    long Succeeded,
    long Rejected,
    long Other,
    long SocketErrors,
    double Seconds,
    double P50Microseconds,
    double P99Microseconds)
{
    public static WrkReport Parse(string output)
    {
        var match = ReportLine().Match(output);
        if (!match.Success)
        {
            throw new InvalidOperationException($"wrk printed no '{WrkScript.ReportPrefix}' line:\n{output}");
        }

        double Number(string group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
        return new WrkReport(
            (long)Number("ok"),
            (long)Number("rejected"),
            (long)Number("other"),
            (long)Number("socket"),
            Number("duration") / 1e6,
            Number("p50"),
            Number("p99"));
    }

    [GeneratedRegex(WrkScript.ReportPrefix + @" ok=(?<ok>\d+) rejected=(?<rejected>\d+) other=(?<other>\d+) socket_errors=(?<socket>\d+) duration_us=(?<duration>\d+) p50_us=(?<p50>\d+) p99_us=(?<p99>\d+)")]
    private static partial Regex ReportLine();
}
