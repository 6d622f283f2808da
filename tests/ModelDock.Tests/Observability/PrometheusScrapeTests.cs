using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using ModelDock.Onnx;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;
using Xunit.Abstractions;

namespace ModelDock.Tests.Observability;

/// <summary>
/// <c>modeldock serve</c>'s <c>/metrics</c> as a real Prometheus and promtool read it. The server runs in its own
/// process: OpenTelemetry listens to meters by name across a process, so hosts that other tests start and stop
/// in the test process would share (and, when disposed, end) its metric streams.
/// </summary>
public sealed class PrometheusScrapeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Requests = 40;
    private const string Model = "scraped";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new();
    private readonly TestModelRepository _repository = new();
    private readonly int _httpPort = LoopbackPorts.Free();
    private ModelDockProcess _serve = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _repository.AddVersion(Model, 1, DemoModels.Mlp([4, 3], seed: 11).Onnx);
        _repository.WriteConfig(Model, """{"max_batch_size": 8, "dynamic_batching": {}}""");
        _repository.AddVersion(Model + "_broken", 1, [1, 2, 3]);
        _serve = ModelDockProcess.Start(
            _folder.Path,
            new Dictionary<string, string>(),
            "serve", "--model-repository", _repository.Path, "--http-port", $"{_httpPort}", "--grpc-port", $"{LoopbackPorts.Free()}",
            "--repository-poll-secs", "0", "--data-dir", _folder.Combine("data"));
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}/") };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < Patience)
        {
            Assert.False(_serve.HasExited, $"serve exited: {_serve.Errors}");
            try
            {
                if ((await _http.GetAsync($"v2/models/{Model}/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"serve did not become ready: {_serve.Errors}");
    }

    public Task DisposeAsync()
    {
        _http.Dispose();
        _serve.Dispose();
        _repository.Dispose();
        _folder.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task GetMetrics_AfterRequests_ServesPrometheusTextWithConventionalNamesAndLabels()
    {
        Assert.Equal(HttpStatusCode.OK, await InferAsync());

        var text = await _http.GetStringAsync("metrics");

        var counter = Assert.Single(text.Split('\n'), l => l.StartsWith("modeldock_inference_requests_total{", StringComparison.Ordinal));
        Assert.Contains($"model=\"{Model}\"", counter, StringComparison.Ordinal);
        Assert.Contains("outcome=\"success\"", counter, StringComparison.Ordinal);
        Assert.Contains("protocol=\"rest\"", counter, StringComparison.Ordinal);
        Assert.Contains("version=\"1\"", counter, StringComparison.Ordinal);
        Assert.Equal("1", counter.Split(' ')[1]);
        Assert.Contains("# TYPE modeldock_inference_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("modeldock_inference_batch_size_bucket{", text, StringComparison.Ordinal);
        var failures = Assert.Single(text.Split('\n'), l => l.StartsWith("modeldock_model_load_failures_total{", StringComparison.Ordinal));
        Assert.Contains($"model=\"{Model}_broken\"", failures, StringComparison.Ordinal);
        Assert.Contains("kestrel_active_connections{", text, StringComparison.Ordinal);
        Assert.DoesNotContain("http_server_request_duration_seconds", text, StringComparison.Ordinal);
        Assert.Contains("process_cpu_time_seconds_total", text, StringComparison.Ordinal);
    }

    [ServicesFact(TestServices.PrometheusVariable)]
    public async Task Prometheus_ScrapingEverySecond_CountsEveryRequestAndComputesAFiniteP99()
    {
        var folder = _folder;
        var port = LoopbackPorts.Free();
        var config = folder.Combine("prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: modeldock
                metrics_path: /metrics
                static_configs:
                  - targets: ["127.0.0.1:{_httpPort}"]
            """);
        using var prometheus = Process.Start(new ProcessStartInfo(TestServices.RequirePrometheus())
        {
            ArgumentList =
            {
                "--config.file=" + config, "--storage.tsdb.path=" + folder.Combine("data"), $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var log = new System.Text.StringBuilder();
        prometheus.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.BeginErrorReadLine();
        prometheus.BeginOutputReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var clock = Stopwatch.StartNew();
            await Readiness.WaitAsync(api, TimeSpan.FromMinutes(1), () =>
            {
                lock (log)
                {
                    return (prometheus.HasExited, log.ToString());
                }
            }, "-/ready");
            var count = $"sum(modeldock_inference_requests_total{{model=\"{Model}\"}})";

            // The first request creates the series; the rest land after Prometheus has seen it, so rate() has an increase to work on.
            Assert.Equal(HttpStatusCode.OK, await InferAsync());
            Assert.Equal(1, await PollAsync(api, count, v => v >= 1));
            for (var i = 1; i < Requests; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await InferAsync(rows: 1 + (i % 3)));
            }

            Assert.Equal(Requests, await PollAsync(api, count, v => v >= Requests));
            output.WriteLine($"Prometheus counted {Requests} requests after {clock.Elapsed.TotalSeconds:F1} s");
            var p99 = await PollAsync(
                api,
                $"histogram_quantile(0.99, sum by (le) (rate(modeldock_inference_request_duration_seconds_bucket{{model=\"{Model}\"}}[1m])))",
                v => double.IsFinite(v) && v > 0);
            output.WriteLine($"p99 from Prometheus: {p99 * 1000:F3} ms");
            Assert.True(double.IsFinite(p99) && p99 > 0, $"p99 was {p99}");
            var rows = await PollAsync(api, $"sum(modeldock_inference_batch_size_sum{{model=\"{Model}\"}})", v => v >= 1);
            Assert.Equal(Enumerable.Range(0, Requests).Sum(i => i == 0 ? 1 : 1 + (i % 3)), rows);
        }
        catch
        {
            lock (log)
            {
                output.WriteLine("prometheus said: " + log);
            }

            throw;
        }
        finally
        {
            prometheus.Kill();
            await prometheus.WaitForExitAsync();
        }
    }

    [ServicesFact(TestServices.PromtoolVariable)]
    public async Task Promtool_CheckMetrics_ModelDockFamiliesPassLintAndTheWholeScrapeParses()
    {
        Assert.Equal(HttpStatusCode.OK, await InferAsync());
        Assert.Equal(HttpStatusCode.BadRequest, await InferAsync(width: 3));
        var text = await _http.GetStringAsync("metrics");
        var ours = string.Join('\n', text.Split('\n').Where(l => l.Contains("modeldock_", StringComparison.Ordinal))) + "\n";

        var (ownExit, ownSaid) = await PromtoolCheckAsync(ours);
        var (allExit, allSaid) = await PromtoolCheckAsync(text);

        output.WriteLine($"ModelDock's families: exit {ownExit} {ownSaid}");
        output.WriteLine($"whole scrape: exit {allExit} {allSaid}");
        Assert.Equal(0, ownExit);

        // OpenTelemetry's runtime and process semantic conventions name some gauges *.count, which promtool's linter
        // flags (exit 3); anything else, a parse error above all (exit 1), fails.
        Assert.True(allExit is 0 or 3, allSaid);
        Assert.All(
            allSaid.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            line => Assert.Matches("""^(dotnet|process)_\S+ non-histogram and non-summary metrics should not have "_count" suffix$""", line));
    }

    private async Task<HttpStatusCode> InferAsync(int rows = 1, int width = 4)
    {
        var data = string.Join(",", Enumerable.Repeat("0.5", rows * width));
        using var response = await _http.PostAsync(
            $"v2/models/{Model}/infer",
            new StringContent($$"""{"inputs":[{"name":"input","datatype":"FP32","shape":[{{rows}},{{width}}],"data":[{{data}}]}]}""", System.Text.Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private static async Task<(int Exit, string Said)> PromtoolCheckAsync(string metrics)
    {
        using var promtool = Process.Start(new ProcessStartInfo(TestServices.RequirePromtool())
        {
            ArgumentList = { "check", "metrics" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = promtool.StandardOutput.ReadToEndAsync();
        var stderr = promtool.StandardError.ReadToEndAsync();
        await promtool.StandardInput.WriteAsync(metrics);
        promtool.StandardInput.Close();
        await promtool.WaitForExitAsync();
        return (promtool.ExitCode, (await stdout + await stderr).Trim());
    }

    /// <summary>Polls an instant query until its single value satisfies <paramref name="done"/>, or a minute passes; returns the last value.</summary>
    private static async Task<double> PollAsync(HttpClient api, string query, Func<double, bool> done)
    {
        var last = double.NaN;
        for (var attempt = 0; attempt < 240; attempt++)
        {
            using var response = await api.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(query));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var result = body.RootElement.GetProperty("data").GetProperty("result");
                if (result.GetArrayLength() == 1)
                {
                    last = double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                    if (done(last))
                    {
                        return last;
                    }
                }
            }

            await Task.Delay(250);
        }

        return last;
    }
}
