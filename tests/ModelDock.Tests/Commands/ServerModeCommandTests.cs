using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelDock.Cli;
using ModelDock.Onnx;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Tests.Commands;

/// <summary>
/// The <c>models</c> and <c>endpoints</c> verbs with <c>--server</c>, against a real <c>serve</c> process: every change
/// goes through the admin API (the CLI has no data folder of its own), is served at once, and a refusal is the same
/// line and exit code as the same command run on a data folder.
/// </summary>
public sealed class ServerModeCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly float[] Input = ReferenceMath.RandomInputs(8, seed: 5);

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modeldock-server-mode-");
    private readonly List<ModelDockProcess> _servers = [];
    private readonly HttpClient _http = new();

    [Fact]
    public async Task Server_RegisterDeployTrafficMirrorStickyRollback_EachChangeServedWhenTheCommandReturns()
    {
        var server = await StartServeAsync("server-data");
        var (v1, v2) = (DemoModels.Mlp([8, 3], seed: 81), DemoModels.Mlp([8, 3], seed: 82));

        var registered = await OkAsync("models", "register", "fraud", "--file", await WriteAsync("v1.onnx", v1.Onnx), "--description", "first", "--tag", "team=risk", "--json", "--server", server);
        await OkAsync("models", "register", "fraud", "--file", await WriteAsync("v2.onnx", v2.Onnx), "--server", server);
        await OkAsync("models", "alias", "fraud", "champion", "2", "--server", server);
        await OkAsync("endpoints", "create", "risk", "--server", server);
        await OkAsync("endpoints", "deploy", "risk", "blue", "--model", "fraud:1", "--server", server);
        var blue = await InferAsync(server);
        await OkAsync("endpoints", "deploy", "risk", "green", "--model", "fraud@champion", "--server", server);
        await OkAsync("endpoints", "traffic", "risk", "blue=0", "green=100", "--server", server);
        var green = await InferAsync(server);
        await OkAsync("endpoints", "rollback", "risk", "--server", server);
        var rolledBack = await InferAsync(server);
        var split = await OkAsync("endpoints", "traffic", "risk", "blue=0", "green=100", "--mirror", "blue=10", "--json", "--server", server);
        var sticky = await OkAsync("endpoints", "sticky-key", "risk", "header:x-customer", "--json", "--server", server);
        await OkAsync("endpoints", "rollback", "risk", "--server", server);
        var mirrored = await InferAsync(server);
        var shown = await OkAsync("endpoints", "show", "risk", "--json", "--server", server);
        var history = await OkAsync("endpoints", "show", "risk", "--history", "--json", "--server", server);
        var endpoints = await OkAsync("endpoints", "list", "--json", "--server", server);
        var models = await OkAsync("models", "list", "--json", "--server", server);
        var version = await OkAsync("models", "show", "fraud@champion", "--json", "--server", server);

        var first = Assert.Single(Parse(registered).EnumerateArray());
        Assert.Equal((1, "first", "risk"), (first.GetProperty("version").GetInt64(), first.GetProperty("description").GetString(), first.GetProperty("tags").GetProperty("team").GetString()));
        Assert.Equal("FP32", first.GetProperty("inputs")[0].GetProperty("datatype").GetString());
        Assert.Equal("blue", blue.Deployment);
        AssertClose(Expected(v1), blue.Outputs);
        Assert.Equal("green", green.Deployment);
        AssertClose(Expected(v2), green.Outputs);
        Assert.Equal(("blue", "green"), (rolledBack.Deployment, mirrored.Deployment));

        var afterSplit = Parse(split)[0];
        Assert.Equal(("blue", 10), (afterSplit.GetProperty("mirror").GetProperty("deployment").GetString(), afterSplit.GetProperty("mirror").GetProperty("percent").GetInt32()));
        Assert.Equal([0, 100], afterSplit.GetProperty("deployments").EnumerateArray().Select(d => d.GetProperty("traffic").GetInt32()));
        Assert.Equal("header:x-customer", Parse(sticky)[0].GetProperty("sticky_key").GetString());

        // The last rollback undid the sticky key only.
        var current = Assert.Single(Parse(shown).EnumerateArray());
        Assert.Equal(JsonValueKind.Null, current.GetProperty("sticky_key").ValueKind);
        Assert.Equal(10, current.GetProperty("mirror").GetProperty("percent").GetInt32());
        Assert.Equal([0, 100], current.GetProperty("deployments").EnumerateArray().Select(d => d.GetProperty("traffic").GetInt32()));
        Assert.Equal("anonymous", current.GetProperty("changed_by").GetString());
        Assert.Equal(
            ["rollback to revision 3", "rollback to revision 7"],
            Parse(history).EnumerateArray().Select(r => r.GetProperty("change").GetString()).Where(c => c!.StartsWith("rollback", StringComparison.Ordinal)));
        Assert.Equal("risk", Assert.Single(Parse(endpoints).EnumerateArray()).GetProperty("endpoint").GetString());
        var model = Assert.Single(Parse(models).EnumerateArray());
        Assert.Equal((2, 2), (model.GetProperty("latest_version").GetInt64(), model.GetProperty("versions").GetInt32()));
        Assert.Equal(2, Assert.Single(Parse(version).EnumerateArray()).GetProperty("version").GetInt64());
        Assert.False(Directory.Exists(Path.Combine(_folder.FullName, "modeldock-data")), "a --server command opened the default data folder");
    }

    [Fact]
    public async Task Server_RefusedChanges_SameLineAndExitCodeAsOnTheDataFolder()
    {
        var server = await StartServeAsync("server-data");
        var local = new[] { "--data-dir", Path.Combine(_folder.FullName, "local-data") };
        var file = await WriteAsync("fraud.onnx", DemoModels.Mlp([8, 3], seed: 83).Onnx);
        foreach (var target in new[] { local, ["--server", server] })
        {
            await OkAsync(["models", "register", "fraud", "--file", file, .. target]);
            await OkAsync(["endpoints", "create", "risk", .. target]);
            await OkAsync(["endpoints", "deploy", "risk", "blue", "--model", "fraud:1", .. target]);
        }

        string[][] refused =
        [
            ["endpoints", "traffic", "risk", "blue=90"],
            ["endpoints", "traffic", "risk", "blue=50", "purple=50"],
            ["endpoints", "traffic", "risk", "--mirror", "blue=60"],
            ["endpoints", "deploy", "risk", "green", "--model", "fraud:9"],
            ["endpoints", "sticky-key", "risk", "cookie:session"],
            ["endpoints", "undeploy", "risk", "blue"],
            ["endpoints", "rollback", "nowhere"],
            ["endpoints", "create", "risk"],
            ["models", "alias", "fraud", "champion", "7"],
            ["models", "show", "fraud:9"],
            ["models", "register", "fraud", "--file", Path.Combine(_folder.FullName, "missing.onnx")],
        ];
        foreach (var args in refused)
        {
            var (localCode, _, localErrors) = await RunAsync([.. args, .. local]);
            var (serverCode, _, serverErrors) = await RunAsync([.. args, "--server", server]);

            var command = string.Join(' ', args);
            Assert.NotEqual(ExitCodes.Ok, localCode);
            Assert.True(localCode == serverCode, $"{command}: exit {serverCode} through the server, {localCode} locally ({serverErrors.Trim()})");
            Assert.Equal(OneLine(localErrors), OneLine(serverErrors));
        }
    }

    [Fact]
    public async Task Server_RequireAuth_RefusesWithoutAKeyAndAnInferenceKey_AcceptsAnAdminKey()
    {
        var admin = (await OkAsync("keys", "create", "--role", "admin", "--name", "ci", "--data-dir", Path.Combine(_folder.FullName, "server-data"))).Trim();
        var inference = (await OkAsync("keys", "create", "--role", "inference", "--name", "app", "--data-dir", Path.Combine(_folder.FullName, "server-data"))).Trim();
        var server = await StartServeAsync("server-data", "--require-auth");

        var (noKeyCode, _, noKey) = await RunAsync("endpoints", "list", "--server", server);
        var (wrongKeyCode, _, wrongKey) = await RunAsync("endpoints", "create", "risk", "--server", server, "--api-key", inference);
        var created = await OkAsync("endpoints", "create", "risk", "--json", "--server", server, "--api-key", admin);
        var (fromVariableCode, listed, _) = await RunAsync(new Dictionary<string, string> { ["MODELDOCK_API_KEY"] = admin }, "endpoints", "list", "--json", "--server", server);

        Assert.Equal(ExitCodes.Usage, noKeyCode);
        Assert.Contains("this call needs an API key", OneLine(noKey), StringComparison.Ordinal);
        Assert.Contains("MODELDOCK_API_KEY", OneLine(noKey), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, wrongKeyCode);
        Assert.Equal("modeldock: this call needs an admin key; the key sent is an inference key", OneLine(wrongKey));
        Assert.Equal("key:ci", Parse(created)[0].GetProperty("changed_by").GetString());
        Assert.Equal(ExitCodes.Ok, fromVariableCode);
        Assert.Equal("risk", Assert.Single(Parse(listed).EnumerateArray()).GetProperty("endpoint").GetString());
    }

    [Fact]
    public async Task Server_UnreachableOrBadUrl_OneLineNamingIt()
    {
        var nobody = $"http://127.0.0.1:{LoopbackPorts.Free()}";

        var (unreachableCode, _, unreachable) = await RunAsync("endpoints", "list", "--server", nobody);
        var (badUrlCode, _, badUrl) = await RunAsync("models", "list", "--server", "localhost:8000");
        var (bothCode, _, both) = await RunAsync("models", "list", "--server", nobody, "--data-dir", "elsewhere");
        var (folderCode, _, folder) = await RunAsync("models", "register", "fraud", "--folder", _folder.FullName, "--server", nobody);

        Assert.Equal(ExitCodes.ServiceUnavailable, unreachableCode);
        Assert.StartsWith($"modeldock: cannot reach the server at {nobody}/", OneLine(unreachable), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, badUrlCode);
        Assert.Contains("--server 'localhost:8000' must be an absolute http:// or https:// URL", badUrl, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, bothCode);
        Assert.Contains("Give --server or --data-dir, not both", both, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, folderCode);
        Assert.StartsWith("modeldock: --folder is not sent to a server", OneLine(folder), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        _http.Dispose();
        _folder.Delete(recursive: true);
    }

    private static float[] Expected(MlpModel model) => ReferenceMath.MlpForward(model.LayerSizes, model.Weights, model.Biases, Input, 1);

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    /// <summary>The single line a refusal prints; fails when there is more (a stack trace, a second message).</summary>
    private static string OneLine(string errors)
    {
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("modeldock: ", line, StringComparison.Ordinal);
        return line;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second, tolerance: 1e-5));
    }

    private async Task<(string? Deployment, float[] Outputs)> InferAsync(string server)
    {
        using var response = await _http.PostAsJsonAsync(
            $"{server}/v2/models/risk/infer", new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 8 }, datatype = "FP32", data = Input } } });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var outputs = Parse(body).GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        return (response.Headers.GetValues("x-modeldock-deployment").Single(), outputs);
    }

    private async Task<string> WriteAsync(string name, byte[] bytes)
    {
        var file = Path.Combine(_folder.FullName, name);
        await File.WriteAllBytesAsync(file, bytes);
        return file;
    }

    private async Task<string> OkAsync(params string[] args)
    {
        var (code, output, errors) = await RunAsync(args);
        Assert.True(code == ExitCodes.Ok, $"modeldock {string.Join(' ', args)} exited {code}: {errors}");
        return output;
    }

    private Task<(int Code, string Output, string Errors)> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs the CLI with no API key in its environment unless given, whatever the test process has.</summary>
    private async Task<(int Code, string Output, string Errors)> RunAsync(Dictionary<string, string> environment, params string[] args)
    {
        environment.TryAdd("MODELDOCK_API_KEY", string.Empty);
        using var process = ModelDockProcess.Start(_folder.FullName, environment, args);
        var code = await process.WaitForExitAsync(Patience);
        return (code, process.Output, process.Errors);
    }

    /// <summary>Starts <c>serve</c> on loopback with its own data folder and returns its REST base URL once it is ready.</summary>
    private async Task<string> StartServeAsync(string dataDir, params string[] options)
    {
        var port = LoopbackPorts.Free();
        var process = ModelDockProcess.Start(
            _folder.FullName,
            new Dictionary<string, string>(),
            ["serve", "--data-dir", Path.Combine(_folder.FullName, dataDir), "--http-port", $"{port}", "--grpc-port", $"{LoopbackPorts.Free()}", .. options]);
        _servers.Add(process);
        var url = $"http://127.0.0.1:{port}";
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < Patience)
        {
            Assert.False(process.HasExited, $"serve exited: {process.Errors}");
            try
            {
                using var ready = await _http.GetAsync($"{url}/v2/health/ready");
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return url;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"serve did not become ready: {process.Errors}");
        return url;
    }
}
