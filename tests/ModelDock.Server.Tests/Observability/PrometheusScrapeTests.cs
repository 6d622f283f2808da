using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;
using Xunit.Abstractions;

namespace ModelDock.Server.Tests.Observability;

/// <summary>ModelDock's <c>/metrics</c> as a real Prometheus and promtool read it, and the shipped dashboard and alerts against it.</summary>
public sealed partial class PrometheusScrapeTests(ITestOutputHelper output)
{
    private const int Requests = 40;

    [ServicesFact(TestServices.PrometheusVariable)]
    public async Task Prometheus_ScrapingEverySecond_CountsEveryRequestAndComputesAFiniteP99()
    {
        await using var host = await MetricsHost.StartAsync("prom_scraped");
        using var folder = new TempFolder();
        var port = LoopbackPorts.Free();
        var config = folder.Combine("prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: modeldock
                metrics_path: /metrics
                static_configs:
                  - targets: ["127.0.0.1:{host.Host.HttpPort}"]
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
            await WaitReadyAsync(api);
            var count = $"sum(modeldock_inference_requests_total{{model=\"{host.Model}\"}})";

            // The first request creates the series; the rest land after Prometheus has seen it, so rate() has an increase to work on.
            Assert.Equal(HttpStatusCode.OK, (await host.InferAsync()).Status);
            Assert.Equal(1, await PollAsync(api, count, v => v >= 1));
            for (var i = 1; i < Requests; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await host.InferAsync(rows: 1 + (i % 3))).Status);
            }

            Assert.Equal(Requests, await PollAsync(api, count, v => v >= Requests));
            output.WriteLine($"Prometheus counted {Requests} requests after {clock.Elapsed.TotalSeconds:F1} s");
            var p99 = await PollAsync(
                api,
                $"histogram_quantile(0.99, sum by (le) (rate(modeldock_inference_request_duration_seconds_bucket{{model=\"{host.Model}\"}}[1m])))",
                v => double.IsFinite(v) && v > 0);
            output.WriteLine($"p99 from Prometheus: {p99 * 1000:F3} ms");
            Assert.True(double.IsFinite(p99) && p99 > 0, $"p99 was {p99}");
            var rows = await PollAsync(api, $"sum(modeldock_inference_batch_size_sum{{model=\"{host.Model}\"}})", v => v >= 1);
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
        await using var host = await MetricsHost.StartAsync("promtool_checked", features: true, brokenModel: true);
        Assert.Equal(HttpStatusCode.OK, (await host.InferAsync()).Status);
        (await host.InferAsync(width: 3)).AssertError(HttpStatusCode.BadRequest);
        await host.PushAndLookUpAsync(DateTimeOffset.UtcNow);
        var text = await host.Http.GetStringAsync("metrics");
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

    [Fact]
    public async Task DashboardAndAlerts_EveryModelDockMetricTheyQuery_IsInAScrape()
    {
        await using var host = await MetricsHost.StartAsync("dashboard_names", features: true, brokenModel: true);
        Assert.Equal(HttpStatusCode.OK, (await host.InferAsync()).Status);
        await host.PushAndLookUpAsync(DateTimeOffset.UtcNow);
        var scraped = MetricLine().Matches(await host.Http.GetStringAsync("metrics")).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
        var root = RepositoryRoot();
        var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "deploy", "grafana", "modeldock-dashboard.json")));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .Append(File.ReadAllText(Path.Combine(root, "deploy", "prometheus", "modeldock-alerts.yml")));

        var used = queries.SelectMany(q => MetricName().Matches(q).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("modeldock_inference_requests_total", used);
        Assert.Contains("modeldock_feature_freshness_seconds", used);
        Assert.Empty(used.Where(name => !scraped.Contains(name)).Order(StringComparer.Ordinal));
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

    private static async Task WaitReadyAsync(HttpClient api)
    {
        for (var attempt = 0; attempt < 240; attempt++)
        {
            try
            {
                using var ready = await api.GetAsync("-/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("Prometheus did not become ready within a minute");
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

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelDock.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ModelDock.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A sample's name, or a family's from its TYPE line (a histogram's base name has no sample of its own).</summary>
    [GeneratedRegex("""^(?:# TYPE )?(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]""", RegexOptions.Multiline)]
    private static partial Regex MetricLine();

    /// <summary>ModelDock's metric names; recording rules (<c>modeldock:...</c>) have a colon and are not matched.</summary>
    [GeneratedRegex("""(?<![a-z_:])modeldock_[a-z_]+""")]
    private static partial Regex MetricName();
}
