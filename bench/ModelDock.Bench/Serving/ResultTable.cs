using System.Globalization;
using System.Text;

namespace ModelDock.Bench.Serving;

/// <summary>Computes the serving table's ratios and renders it as console text and as markdown.</summary>
internal static class ResultTable
{
    public const string Naive = "naive ASP.NET + System.Text.Json";
    public const string BareKestrel = "bare Kestrel (transport limit)";
    public const string BareGrpc = "bare gRPC (transport limit)";
    public const string RawBatch32 = "raw ONNX Runtime, batch 32";
    public const string InProcess = "ModelDock in process (no transport)";

    /// <summary>Said under every table, because the gRPC rows have one generator where REST rows have two.</summary>
    public const string GrpcNote = "gRPC rows: h2load only; wrk speaks HTTP/1.1 only.";

    private static readonly TextTable Table = new(
    [
        new("target", -36),
        new("config", -36),
        new("load gen.", -10, "gen."),
        new("conc.", 5),
        new("rows/s", 10),
        new("p50 ms", 8),
        new("p99 ms", 8),
        new("× naive", 7),
        new("% transport limit", 6, "%limit"),
        new("% compute limit", 6, "%comp"),
        new("server CPU µs/req", 7, "cpu µs"),
        new("load gen. CPU µs/req", 7, "gen µs"),
        new("server RSS MB", 7, "RSS MB"),
        new("errors", 6),
    ]);

    public static void ComputeRatios(IReadOnlyList<ResultRow> rows)
    {
        foreach (var row in rows)
        {
            ResultRow? Peer(string target) => rows.FirstOrDefault(r =>
                r.Model == row.Model && r.Target == target && r.Generator == row.Generator && r.Result.Concurrency == row.Result.Concurrency);

            var naive = Peer(Naive);
            // gRPC is held to the gRPC transport limit, REST to bare Kestrel's.
            var bare = Peer(row.Target.Contains("gRPC", StringComparison.Ordinal) ? BareGrpc : BareKestrel);
            var compute = rows.Where(r => r.Model == row.Model && r.Target == RawBatch32).Select(r => r.Result.RowsPerSecond).DefaultIfEmpty(0).Max();
            row.VersusNaive = naive is not null ? row.Result.RowsPerSecond / naive.Result.RowsPerSecond : null;
            row.VersusTransportLimit = bare is not null ? row.Result.RequestsPerSecond / bare.Result.RequestsPerSecond : null;
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
            text.Append(Table.Markdown(rows.Where(r => r.Model == model).Select(Cells)));
            text.AppendLine();
            text.AppendLine(GrpcNote);
            text.AppendLine();
        }

        return text.ToString();
    }

    public static string Console(IReadOnlyList<ResultRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("model " + Table.ConsoleHeader());
        foreach (var row in rows)
        {
            text.AppendLine(Line(row));
        }

        text.AppendLine(GrpcNote);
        return text.ToString();
    }

    public static string Line(ResultRow row) => $"{row.Model,-5} {Table.Line(Cells(row))}";

    private static string[] Cells(ResultRow row)
    {
        var r = row.Result;
        return
        [
            row.Target,
            row.Config,
            row.Generator,
            Format.Integer(r.Concurrency),
            Format.Integer(r.RowsPerSecond),
            Format.Milliseconds(r.P50Milliseconds),
            Format.Milliseconds(r.P99Milliseconds),
            Format.Times(row.VersusNaive),
            Format.Percent(row.VersusTransportLimit),
            Format.Percent(row.VersusComputeLimit),
            Format.Micros(r.ServerCpuMicrosecondsPerRequest),
            Format.Micros(r.ClientCpuMicrosecondsPerRequest),
            Format.Megabytes(r.ServerResidentBytes),
            Format.Integer(r.Errors),
        ];
    }
}
