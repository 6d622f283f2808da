using System.Globalization;
using System.Text;

namespace ModelDock.Bench.Serving;

/// <summary>Computes the ratios and renders the results as a console table and as markdown.</summary>
internal static class ResultTable
{
    public const string Naive = "naive ASP.NET + System.Text.Json";
    public const string BareKestrel = "bare Kestrel (transport limit)";
    public const string BareGrpc = "bare gRPC (transport limit)";
    public const string RawBatch32 = "raw ONNX Runtime, batch 32";
    public const string InProcess = "ModelDock in process (no transport)";

    public static void ComputeRatios(IReadOnlyList<ResultRow> rows)
    {
        foreach (var row in rows)
        {
            var naive = rows.FirstOrDefault(r => r.Model == row.Model && r.Target == Naive && r.Result.Concurrency == row.Result.Concurrency);
            // gRPC is held to the gRPC transport limit, REST to bare Kestrel's.
            var limit = row.Target.Contains("gRPC", StringComparison.Ordinal) ? BareGrpc : BareKestrel;
            var bare = rows.FirstOrDefault(r => r.Model == row.Model && r.Target == limit && r.Result.Concurrency == row.Result.Concurrency);
            var compute = rows.Where(r => r.Model == row.Model && r.Target == RawBatch32).Select(r => r.Result.RowsPerSecond).DefaultIfEmpty(0).Max();
            var isRaw = row.Target.StartsWith("raw", StringComparison.Ordinal);
            var hasTransport = !isRaw && row.Target != InProcess;
            row.VersusNaive = !isRaw && naive is not null ? row.Result.RowsPerSecond / naive.Result.RowsPerSecond : null;
            row.VersusTransportLimit = hasTransport && bare is not null ? row.Result.RequestsPerSecond / bare.Result.RequestsPerSecond : null;
            row.VersusComputeLimit = compute > 0 ? row.Result.RowsPerSecond / compute : null;
        }
    }

    public static string Markdown(IReadOnlyList<ResultRow> rows)
    {
        var text = new StringBuilder();
        foreach (var model in rows.Select(r => r.Model).Distinct())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"#### Model {model}");
            text.AppendLine();
            text.AppendLine("| target | config | conc. | rows/s | p50 ms | p99 ms | × naive | % transport limit | % compute limit | CPU µs/req | load gen. CPU µs/req | KB alloc/req | errors |");
            text.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var row in rows.Where(r => r.Model == model))
            {
                var r = row.Result;
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {row.Target} | {row.Config} | {r.Concurrency} | {r.RowsPerSecond:N0} | {r.P50Milliseconds:F2} | {r.P99Milliseconds:F2} | {Times(row.VersusNaive)} | {Percent(row.VersusTransportLimit)} | {Percent(row.VersusComputeLimit)} | {r.CpuMicrosecondsPerRequest:F0} | {Micros(r.ClientCpuMicrosecondsPerRequest)} | {Kilobytes(r.AllocatedBytesPerRequest)} | {r.Failures} |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    public static string Console(IReadOnlyList<ResultRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{"model",-5} {"target",-36} {"config",-22} {"conc",5} {"rows/s",10} {"p50 ms",8} {"p99 ms",8} {"×naive",7} {"%limit",6} {"%comp",6} {"cpu µs",7} {"gen µs",7} {"KB/req",7} {"err",5}");
        foreach (var row in rows)
        {
            text.AppendLine(Line(row));
        }

        return text.ToString();
    }

    public static string Line(ResultRow row)
    {
        var r = row.Result;
        return string.Create(CultureInfo.InvariantCulture,
            $"{row.Model,-5} {row.Target,-36} {row.Config,-22} {r.Concurrency,5} {r.RowsPerSecond,10:N0} {r.P50Milliseconds,8:F2} {r.P99Milliseconds,8:F2} {Times(row.VersusNaive),7} {Percent(row.VersusTransportLimit),6} {Percent(row.VersusComputeLimit),6} {r.CpuMicrosecondsPerRequest,7:F0} {Micros(r.ClientCpuMicrosecondsPerRequest),7} {Kilobytes(r.AllocatedBytesPerRequest),7} {r.Failures,5}");
    }

    private static string Micros(double value) => double.IsNaN(value) ? "" : value.ToString("F0", CultureInfo.InvariantCulture);

    private static string Kilobytes(double bytes) => double.IsNaN(bytes) ? "" : (bytes / 1024).ToString("F1", CultureInfo.InvariantCulture);

    private static string Times(double? ratio) => ratio is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) + "×" : "";

    private static string Percent(double? ratio) => ratio is { } v ? (v * 100).ToString("F0", CultureInfo.InvariantCulture) + "%" : "";
}
