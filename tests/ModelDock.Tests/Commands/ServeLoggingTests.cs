using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelDock.Cli;
using ModelDock.Onnx;
using ModelDock.Testing;
using Xunit;
using Xunit.Abstractions;

namespace ModelDock.Tests.Commands;

/// <summary>
/// <c>modeldock serve --log-format json</c>: every console line is one JSON object, lines written inside a request carry
/// its trace, span and request ids, model lifecycle events are logged and requests are not, at the default level.
/// </summary>
public sealed class ServeLoggingTests : IDisposable
{
    private const int Requests = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modeldock-logging-");
    private readonly ITestOutputHelper _output;

    public ServeLoggingTests(ITestOutputHelper output) => _output = output;

    private string DataDir => Path.Combine(_folder.FullName, "data");

    [Fact]
    public async Task Serve_JsonFormat_EveryLineIsJsonAndRequestsAddNoLinesAtTheDefaultLevel()
    {
        var http = LoopbackPorts.Free();
        using var serve = Serve([], http, "--repository-poll-secs", "0.2");
        using var client = await Readiness.WaitAsync(serve, http, Patience);
        await WaitForLineAsync(serve, line => line.GetProperty("Category").GetString() == "ModelDock.Serve");
        var before = Lines(serve.Output).Length;

        var body = await InferBodyAsync(client, DemoModelRepository.MlpModelName);
        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.PostAsJsonAsync($"v2/models/{DemoModelRepository.MlpModelName}/infer", body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // A new version is a lifecycle event: its lines are queued after anything the requests logged.
        CopyVersion(DemoModelRepository.MlpModelName, from: 1, to: 2);
        await WaitForLineAsync(serve, line => EventId(line) == 2007);

        var lines = Parse(serve.Output);
        _output.WriteLine(string.Join(Environment.NewLine, Lines(serve.Output)));
        Assert.All(lines, AssertLogShape);
        Assert.Contains(lines, line => EventId(line) == 2000 && Message(line).Contains(DemoModelRepository.MlpModelName, StringComparison.Ordinal));
        var added = lines.Skip(before).ToList();
        Assert.All(added, line => Assert.StartsWith("ModelDock.", line.GetProperty("Category").GetString(), StringComparison.Ordinal));
        Assert.All(added, line => Assert.InRange(EventId(line), 2000, 2099));
        Assert.Contains(added, line => EventId(line) == 2000 && Message(line).Contains("version 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_JsonFormat_LineWrittenInARequestCarriesItsTraceAndRequestIds()
    {
        var http = LoopbackPorts.Free();

        // Client mistakes are Debug lines: turned on for the REST error handler only.
        using var serve = Serve(new() { ["Logging__LogLevel__ModelDock.Server.Rest"] = "Debug" }, http);
        using var client = await Readiness.WaitAsync(serve, http, Patience);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpan = ActivitySpanId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v2/models/ghost/infer") { Content = JsonContent.Create(new { inputs = Array.Empty<object>() }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var line = await WaitForLineAsync(serve, l => EventId(l) == 3000);
        AssertLogShape(line);
        Assert.Equal("Debug", line.GetProperty("LogLevel").GetString());
        var scopes = line.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out var t) && t.GetString() == traceId);
        Assert.Contains(scopes, s => s.TryGetProperty("ParentId", out var p) && p.GetString() == callerSpan);
        Assert.Contains(scopes, s => s.TryGetProperty("SpanId", out var p) && p.GetString()!.Length == 16);
        Assert.Contains(scopes, s => s.TryGetProperty("RequestId", out var r) && !string.IsNullOrEmpty(r.GetString()));
    }

    [Fact]
    public async Task Serve_BadLogFormatFlag_UsageErrorNamingTheFlag()
    {
        using var serve = Serve([], LoopbackPorts.Free(), "--log-format", "xml");

        var code = await serve.WaitForExitAsync(Patience);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--log-format must be text or json, got 'xml'", serve.Errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(DataDir, "demo-models")), "nothing is written before the flags are valid");
    }

    [Fact]
    public async Task Serve_BadLogFormatSetting_OneLineNamingTheKey()
    {
        using var serve = ModelDockProcess.Start(
            _folder.FullName, new Dictionary<string, string> { ["MODELDOCK__LOGGING__FORMAT"] = "yaml" }, "serve", "--demo", "--data-dir", DataDir);

        var code = await serve.WaitForExitAsync(Patience);

        Assert.Equal(ExitCodes.Usage, code);
        var error = Assert.Single(Lines(serve.Errors));
        Assert.Contains("ModelDock:Logging:Format must be text or json, got 'yaml'", error, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private static void AssertLogShape(JsonElement line)
    {
        Assert.Equal(JsonValueKind.Object, line.ValueKind);
        foreach (var field in new[] { "Timestamp", "EventId", "LogLevel", "Category", "Message" })
        {
            Assert.True(line.TryGetProperty(field, out _), $"a log line lacks {field}: {line}");
        }
    }

    private static int EventId(JsonElement line) => line.GetProperty("EventId").GetInt32();

    private static string Message(JsonElement line) => line.GetProperty("Message").GetString()!;

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Every stdout line as JSON; a line that is not JSON fails the test with the line.</summary>
    private static List<JsonElement> Parse(string output) => [.. Lines(output).Select(line =>
    {
        try
        {
            return JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"stdout line is not JSON ({e.Message}): {line}");
        }
    })];

    private static async Task<JsonElement> WaitForLineAsync(ModelDockProcess serve, Func<JsonElement, bool> match)
    {
        var patience = Task.Delay(Patience);
        while (!patience.IsCompleted)
        {
            if (Parse(serve.Output).FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } line)
            {
                return line;
            }

            Assert.False(serve.HasExited, $"serve exited: {serve.Errors}");
            await Task.Delay(100);
        }

        Assert.Fail($"the expected log line never came; stdout: {serve.Output}");
        return default;
    }

    /// <summary>A one-row request of zeros for the model's first input, built from its metadata.</summary>
    private static async Task<object> InferBodyAsync(HttpClient client, string model)
    {
        using var metadata = JsonDocument.Parse(await client.GetStringAsync($"v2/models/{model}"));
        var input = metadata.RootElement.GetProperty("inputs")[0];
        var shape = input.GetProperty("shape").EnumerateArray().Select(d => Math.Max(d.GetInt64(), 1)).ToArray();
        var size = shape.Aggregate(1L, (a, b) => a * b);
        return new { inputs = new[] { new { name = input.GetProperty("name").GetString(), shape, datatype = input.GetProperty("datatype").GetString(), data = new float[size] } } };
    }

    private void CopyVersion(string model, int from, int to)
    {
        var source = Path.Combine(DataDir, "demo-models", model, $"{from}");
        var staging = Path.Combine(DataDir, "demo-models", model, "staging");
        Directory.CreateDirectory(staging);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
        }

        // Moved whole, so that a poll never sees the version half copied.
        Directory.Move(staging, Path.Combine(DataDir, "demo-models", model, $"{to}"));
    }

    private ModelDockProcess Serve(Dictionary<string, string> environment, int httpPort, params string[] flags) =>
        ModelDockProcess.Start(
            _folder.FullName,
            environment,
            ["serve", "--demo", "--data-dir", DataDir, "--http-port", $"{httpPort}", "--grpc-port", $"{LoopbackPorts.Free()}", .. flags.Contains("--log-format") ? flags : ["--log-format", "json", .. flags]]);
}
