using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using DuckDB.NET.Data;
using ModelDock.Cli;
using ModelDock.Onnx;
using ModelDock.PayloadLog;
using ModelDock.Testing;
using Xunit;
using Xunit.Abstractions;

namespace ModelDock.Tests.Commands;

public sealed class PayloadsCommandTests(ITestOutputHelper output) : IDisposable
{
    private const string Model = DemoModelRepository.MlpModelName;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // OIP's id is a string when present; a request without one leaves it out.
    private static readonly JsonSerializerOptions WithoutNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    private readonly DirectoryInfo _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "modeldock-payloads-" + Guid.NewGuid().ToString("N")));

    private string DataDir => Path.Combine(_folder.FullName, "data");

    [Fact]
    public async Task Serve_PayloadLogFlag_GracefulStopWritesEveryAnsweredRequest()
    {
        var httpPort = LoopbackPorts.Free();
        using var stop = new CancellationTokenSource();
        var run = ModelDockCli.RunAsync(
            ["serve", "--demo", "--data-dir", DataDir, "--http-port", $"{httpPort}", "--grpc-port", $"{LoopbackPorts.Free()}", "--payload-log", $"{Model}=100"],
            new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = TextWriter.Null, Output = TextWriter.Null },
            stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
        await Readiness.WaitAsync(http, Patience, () => (run.IsCompleted, "see the test output"));

        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await InferAsync(http, i, id: i % 2 == 0 ? $"order-{i}" : null));
        }

        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run);

        var summary = PayloadQuery.Summarize(DataDir, Model, since: null);
        Assert.Equal(20, summary.Records);
        Assert.Equal(["1"], summary.Versions);
        Assert.Contains("order-4", ids);
        Assert.Equal(ids.Order(), RequestIds().Order());
    }

    [Fact]
    public async Task Serve_Killed_LosesAtMostTheUnflushedBufferAndLeavesReadableFiles()
    {
        var httpPort = LoopbackPorts.Free();
        using var serve = ModelDockProcess.Start(
            _folder.FullName,
            new Dictionary<string, string> { ["MODELDOCK__PAYLOADLOG__ROLLRECORDS"] = "10" },
            "serve", "--demo", "--data-dir", DataDir, "--http-port", $"{httpPort}", "--grpc-port", $"{LoopbackPorts.Free()}", "--payload-log", $"{Model}=100");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
        await Readiness.WaitAsync(http, Patience, () => (serve.HasExited, serve.Errors));
        for (var i = 0; i < 25; i++)
        {
            await InferAsync(http, i);
        }

        // Two files of ten are due; wait for them, then kill while the last five are still buffered.
        var folder = ParquetPayloadSink.ModelFolder(DataDir, Model);
        for (var attempt = 0; attempt < 600 && Files(folder).Length < 2; attempt++)
        {
            await Task.Delay(100);
        }

        serve.Kill();

        // What a write cut short would leave behind: readers' globs must not match it.
        var day = Directory.GetDirectories(folder)[0];
        await File.WriteAllTextAsync(Path.Combine(day, "0-cut-short.parquet.partial"), "PAR1 not a whole file");
        var records = RequestIds().Count;
        output.WriteLine($"{records} of 25 records survived the kill in {Files(folder).Length} files");
        Assert.InRange(records, 20, 25);

        using var query = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string>(), "payloads", "query", "--model", Model, "--data-dir", DataDir, "--json");
        Assert.Equal(ExitCodes.Ok, await query.WaitForExitAsync(Patience));
        using var json = JsonDocument.Parse(query.Output);
        Assert.Equal(records, json.RootElement.GetProperty("Records").GetInt64());
        var input = json.RootElement.GetProperty("Tensors").EnumerateArray().Single(t => t.GetProperty("Name").GetString() == DemoModels.MlpInput);
        Assert.Equal(records * 64, input.GetProperty("Values").GetInt64());
    }

    [Fact]
    public async Task Query_NoFiles_SaysSoAndExitsOk()
    {
        using var query = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string>(), "payloads", "query", "--model", Model, "--data-dir", DataDir);

        Assert.Equal(ExitCodes.Ok, await query.WaitForExitAsync(Patience));
        Assert.Contains($"No payload log files for '{Model}'", query.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serve", "--demo", "--payload-log", "demo_mlp=150")]
    [InlineData("serve", "--demo", "--payload-log", "demo_mlp")]
    [InlineData("serve", "--demo", "--payload-log", "demo_mlp=ten")]
    [InlineData("serve", "--demo", "--payload-log", "=5")]
    [InlineData("payloads", "query", "--model", "demo_mlp", "--since", "5y")]
    [InlineData("payloads", "query", "--model", "demo_mlp", "--since", "-1h")]
    [InlineData("payloads", "query")]
    public async Task Run_BadPayloadLogInput_UsageCodeNamingIt(params string[] args)
    {
        using var errors = new StringWriter();
        var code = await ModelDockCli.RunAsync(
            [.. args, "--data-dir", DataDir],
            new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = errors, Output = TextWriter.Null },
            CancellationToken.None);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(args[^1], errors.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(DataDir, "demo-models")));
    }

    [Theory]
    [InlineData("MODELDOCK__PAYLOADLOG__MODELS__demo_mlp__SAMPLERATE", "150", "ModelDock:PayloadLog:Models:demo_mlp:SampleRate 150 must be a percent between 0 and 100")]
    [InlineData("MODELDOCK__PAYLOADLOG__DEFAULTSAMPLERATE", "-1", "ModelDock:PayloadLog:DefaultSampleRate -1 must be a percent between 0 and 100")]
    [InlineData("MODELDOCK__PAYLOADLOG__MAXBUFFEREDRECORDS", "0", "ModelDock:PayloadLog:MaxBufferedRecords 0 must be positive")]
    public async Task Serve_BadPayloadLogSetting_OneLineNamingTheKeyAndUsageCode(string variable, string value, string expected)
    {
        using var serve = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string> { [variable] = value }, "serve", "--demo", "--data-dir", DataDir);

        Assert.Equal(ExitCodes.Usage, await serve.WaitForExitAsync(Patience));
        Assert.Contains(expected, Assert.Single(serve.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private static string[] Files(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*.parquet", SearchOption.AllDirectories) : [];

    /// <summary>Every request id in the model's files, read as an analyst would: DuckDB over the folder's glob.</summary>
    private List<string> RequestIds()
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT request_id FROM read_parquet('{Path.Combine(ParquetPayloadSink.ModelFolder(DataDir, Model), "**", "*.parquet")}')";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task<string> InferAsync(HttpClient http, int seed, string? id = null)
    {
        var input = ReferenceMath.RandomInputs(64, seed);
        using var response = await http.PostAsJsonAsync(
            $"v2/models/{Model}/infer",
            new { id, inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 64 }, datatype = "FP32", data = input } } },
            WithoutNulls);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }
}
