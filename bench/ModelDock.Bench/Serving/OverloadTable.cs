using System.Globalization;
using System.Text;
using ModelDock.Bench.Serving.Load;

namespace ModelDock.Bench.Serving;

/// <summary>One run of the overload benchmark.</summary>
/// <param name="Phase"><c>ramp</c> while the peak is searched, then e.g. <c>2× peak</c>.</param>
/// <param name="OfPeak">Goodput relative to the peak of the same server and generator.</param>
/// <param name="IsPeak">True for the ramp run with the most successful answers per second.</param>
internal sealed record OverloadRow(string Model, string Target, string Config, string Generator, string Phase, LoadResult Result, double OfPeak, bool IsPeak);

/// <summary>Renders the overload runs and, per server and generator, goodput under overload as a share of the peak.</summary>
internal static class OverloadTable
{
    public const string LatencyNote =
        "p50/p99: of successful answers under h2load (from its per-request log); of every answer, refusals included, under wrk, whose Lua hooks have no clock to time successful answers alone.";

    private static readonly TextTable Table = new(
    [
        new("target", -32),
        new("config", -36),
        new("load gen.", -7, "gen."),
        new("phase", -9),
        new("conns", 6),
        new("answers/s", 9, "ok/s"),
        new("rows/s", 9),
        new("429+503 /s", 9, "refused/s"),
        new("p50 ms", 8),
        new("p99 ms", 8),
        new("% of peak", 6, "%peak"),
        new("other errors", 7, "errors"),
        new("server CPU µs/answer", 7, "cpu µs"),
        new("server RSS MB", 7, "RSS MB"),
        new("server peak RSS MB", 7, "peak MB"),
    ]);

    public static string Console(IReadOnlyList<OverloadRow> rows) =>
        "model " + Table.ConsoleHeader() + "\n" + string.Join('\n', rows.Select(Line)) + "\n" + LatencyNote + "\n\n" + Summary(rows);

    public static string Line(OverloadRow row) => $"{row.Model,-5} {Table.Line(Cells(row))}";

    public static string Markdown(IReadOnlyList<OverloadRow> rows)
    {
        var text = new StringBuilder();
        foreach (var model in rows.Select(r => r.Model).Distinct())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"#### Model {model}");
            text.AppendLine();
            text.Append(Table.Markdown(rows.Where(r => r.Model == model).Select(Cells)));
            text.AppendLine();
        }

        text.AppendLine(LatencyNote);
        text.AppendLine();
        foreach (var line in Summary(rows).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            text.AppendLine("- " + line);
        }

        return text.ToString();
    }

    /// <summary>One line per server and generator: the peak, and goodput at each multiple of it.</summary>
    public static string Summary(IReadOnlyList<OverloadRow> rows)
    {
        var text = new StringBuilder();
        foreach (var series in rows.GroupBy(r => (r.Model, r.Target, r.Config, r.Generator)))
        {
            var peak = series.First(r => r.IsPeak);
            text.Append(CultureInfo.InvariantCulture,
                $"{series.Key.Model} {series.Key.Target}, {series.Key.Config}, {series.Key.Generator}: peak {Format.Integer(peak.Result.RequestsPerSecond)} answers/s at {peak.Result.Concurrency} connections");
            foreach (var over in series.Where(r => r.Phase != OverloadBenchmark.RampPhase))
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"; goodput at {over.Phase} ({over.Result.Concurrency} connections): {Format.Percent(over.OfPeak)} of peak, {Format.Integer(over.Result.RejectedPerSecond)} refused/s");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string[] Cells(OverloadRow row)
    {
        var r = row.Result;
        return
        [
            row.Target,
            row.Config,
            row.Generator,
            row.Phase,
            Format.Integer(r.Concurrency),
            Format.Integer(r.RequestsPerSecond),
            Format.Integer(r.RowsPerSecond),
            Format.Integer(r.RejectedPerSecond),
            Format.Milliseconds(r.P50Milliseconds),
            Format.Milliseconds(r.P99Milliseconds),
            Format.Percent(row.OfPeak),
            Format.Integer(r.Failures),
            Format.Micros(r.ServerCpuMicrosecondsPerRequest),
            Format.Megabytes(r.ServerResidentBytes),
            Format.Megabytes(r.ServerPeakResidentBytes),
        ];
    }
}
