using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Endpoints;
using ModelDock.Onnx;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;
using Xunit.Abstractions;

namespace ModelDock.Server.Tests.Admin;

/// <summary>
/// The admin REST API against a real host on the embedded stores: a release through HTTP only (upload, deploy,
/// split, look, roll back), and every bad request answered with the status and the field that is wrong.
/// </summary>
public sealed class AdminApiTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly int[] Layers = [8, 16, 3];

    private readonly TempFolder _data = new();
    private readonly TempFolder _repository = new();
    private ModelDockHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        // A folder model named "clash" sits beside the registry, so endpoint names can collide with it.
        var folderModel = DemoModels.Mlp(Layers, seed: 1);
        Directory.CreateDirectory(_repository.Combine("clash", "1"));
        await File.WriteAllBytesAsync(_repository.Combine("clash", "1", "model.onnx"), folderModel.Onnx);
        _host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = _repository.Path).AddRegistryEndpoints(r => r.DataDir = _data.Path);
            b.Logging.ClearProviders();
        });
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = _host.HttpAddress };
    }

    [Fact]
    public async Task Release_UploadDeploySplitAndRollBack_EachStepServesAtOnceAndRollbackRestoresThePreviousSplit()
    {
        var v1 = DemoModels.Mlp(Layers, seed: 11);
        var v2 = DemoModels.Mlp(Layers, seed: 12);
        Assert.Equal(1, (await UploadAsync("fraud", v1.Onnx)).GetProperty("version").GetInt64());
        Assert.Equal(2, (await UploadAsync("fraud", v2.Onnx, """{"description": "retrained", "tags": {"stage": "candidate"}, "metrics": {"auc": 0.91}}""")).GetProperty("version").GetInt64());

        await SendAsync(HttpMethod.Post, "api/endpoints", new { name = "risk" }, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Put, "api/endpoints/risk/deployments/blue", new { model = "fraud:1" });
        Assert.Equal("blue", await ServedByAsync("risk"));
        await SendAsync(HttpMethod.Put, "api/endpoints/risk/deployments/green", new { model = "fraud:2" });
        await SendAsync(HttpMethod.Put, "api/endpoints/risk/traffic", new { weights = new { blue = 0, green = 100 } });
        Assert.Equal("green", await ServedByAsync("risk"));

        var stopwatch = Stopwatch.StartNew();
        var rolledBack = await SendAsync(HttpMethod.Post, "api/endpoints/risk/rollback", null);
        var firstAnswer = await ServedByAsync("risk");
        output.WriteLine($"rollback answered and the next request was served in {stopwatch.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal("blue", firstAnswer);
        Assert.Equal(100, rolledBack.GetProperty("traffic").GetProperty("blue").GetInt32());
        var history = await SendAsync(HttpMethod.Get, "api/endpoints/risk/history", null);
        Assert.Equal(["created", "deploy blue = fraud:1", "deploy green = fraud:2", "traffic blue=0 green=100", "rollback to revision 3"],
            history.EnumerateArray().Select(r => r.GetProperty("change").GetString()));
        Assert.All(history.EnumerateArray(), r => Assert.Equal("anonymous", r.GetProperty("changedBy").GetString()));
        var version = await SendAsync(HttpMethod.Get, "api/models/fraud/versions/2", null);
        Assert.Equal("retrained", version.GetProperty("description").GetString());
        Assert.Equal(0.91, version.GetProperty("metrics").GetProperty("auc").GetDouble());
    }

    [Fact]
    public async Task Aliases_SetMoveRemove_EveryMoveIsListedAndADeployThroughTheAliasPinsItsVersion()
    {
        await UploadAsync("fraud", DemoModels.Mlp(Layers, seed: 11).Onnx);
        await UploadAsync("fraud", DemoModels.Mlp(Layers, seed: 12).Onnx);
        await SendAsync(HttpMethod.Put, "api/models/fraud/aliases/champion", new { version = 1 });
        await SendAsync(HttpMethod.Put, "api/models/fraud/aliases/champion", new { version = 2 });
        await SendAsync(HttpMethod.Post, "api/endpoints", new { name = "risk" }, HttpStatusCode.Created);
        var deployed = await SendAsync(HttpMethod.Put, "api/endpoints/risk/deployments/blue", new { model = "fraud@champion" });
        await SendAsync(HttpMethod.Delete, "api/models/fraud/aliases/champion", null);

        var aliases = await SendAsync(HttpMethod.Get, "api/models/fraud/aliases", null);
        Assert.Empty(aliases.GetProperty("aliases").EnumerateObject());
        Assert.Equal([(null, 1), (1, 2), (2, null)], aliases.GetProperty("history").EnumerateArray()
            .Select(m => (Number(m.GetProperty("from")), Number(m.GetProperty("to")))));
        Assert.Equal(2, deployed.GetProperty("deployments")[0].GetProperty("version").GetInt64());
        Assert.Equal("champion", deployed.GetProperty("deployments")[0].GetProperty("alias").GetString());
    }

    [Theory]
    [InlineData("PUT", "api/endpoints/risk/traffic", """{"weights": {"blue": 90}}""", 400, "sum to 90")]
    [InlineData("PUT", "api/endpoints/risk/traffic", """{"weights": {"blue": 90, "red": 10}}""", 400, "no deployment 'red'")]
    [InlineData("PUT", "api/endpoints/risk/traffic", """{"weights": {"blue": 101}}""", 400, "traffic")]
    [InlineData("PUT", "api/endpoints/risk/traffic", """{"weights": [1, 2]}""", 400, "JSON")]
    [InlineData("PUT", "api/endpoints/risk/traffic", """{"weights": """, 400, "JSON")]
    [InlineData("PUT", "api/endpoints/risk/traffic", "", 400, "body")]
    [InlineData("PUT", "api/endpoints/risk/deployments/green", """{"model": "fraud:9"}""", 400, "model: ")]
    [InlineData("PUT", "api/endpoints/risk/deployments/green", """{"model": "fraud@nobody"}""", 400, "model: ")]
    [InlineData("PUT", "api/endpoints/risk/deployments/green", """{"model": "wide:1"}""", 400, "--force")]
    [InlineData("PUT", "api/endpoints/risk/deployments/green", """{"model": "fraud"}""", 400, "model")]
    [InlineData("PUT", "api/endpoints/risk/deployments/bad%20name", """{"model": "fraud:1"}""", 400, "deployment")]
    [InlineData("PUT", "api/endpoints/nowhere/deployments/green", """{"model": "fraud:1"}""", 404, "nowhere")]
    [InlineData("PUT", "api/models/fraud/aliases/champion", """{"version": 9}""", 400, "version: ")]
    [InlineData("PUT", "api/models/fraud/aliases/7", """{"version": 1}""", 400, "all digits")]
    [InlineData("DELETE", "api/models/fraud/versions/1", "", 409, "endpoint 'risk'")]
    [InlineData("DELETE", "api/models/fraud/versions/latest", "", 400, "version")]
    [InlineData("POST", "api/endpoints", """{"name": "clash"}""", 409, "model repository")]
    [InlineData("POST", "api/endpoints", """{"name": "risk"}""", 409, "already exists")]
    [InlineData("POST", "api/endpoints", """{"name": "../etc"}""", 400, "endpoint")]
    [InlineData("POST", "api/endpoints/nowhere/rollback", "", 404, "nowhere")]
    [InlineData("DELETE", "api/endpoints/risk/deployments/blue", "", 409, "100%")]
    [InlineData("PUT", "api/endpoints/risk/mirror", """{"deployment": "blue", "percent": 60}""", 400, "above 50")]
    [InlineData("PUT", "api/endpoints/risk/mirror", """{"deployment": "red", "percent": 10}""", 400, "no deployment 'red'")]
    [InlineData("PUT", "api/endpoints/risk/sticky-key", """{"key": "cookie:x"}""", 400, "sticky")]
    [InlineData("DELETE", "api/keys/0123456789ab", "", 404, "0123456789ab")]
    [InlineData("POST", "api/keys", """{"name": "ci", "role": "root"}""", 400, "role")]
    public async Task BadRequest_AnsweredWithTheStatusAndTheProblem_AndTheEndpointIsUnchanged(string method, string path, string body, int status, string problem)
    {
        await UploadAsync("fraud", DemoModels.Mlp(Layers, seed: 11).Onnx);
        await UploadAsync("wide", DemoModels.Mlp([4, 3], seed: 12).Onnx);
        await SendAsync(HttpMethod.Post, "api/endpoints", new { name = "risk" }, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Put, "api/endpoints/risk/deployments/blue", new { model = "fraud:1" });
        var before = (await SendAsync(HttpMethod.Get, "api/endpoints/risk", null)).GetRawText();

        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(status == (int)response.StatusCode, $"{(int)response.StatusCode}: {text}");
        Assert.Contains(problem, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, (await SendAsync(HttpMethod.Get, "api/endpoints/risk", null)).GetRawText());
        Assert.Equal("blue", await ServedByAsync("risk"));
    }

    [Fact]
    public async Task Upload_NotAModel_400NamingTheProblemAndNothingRegistered()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent("not onnx at all"u8.ToArray()), "model", "model.onnx" } };
        using var response = await _http.PostAsync("api/models/fraud/versions", form);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("model", text, StringComparison.OrdinalIgnoreCase);
        using var models = await _http.GetAsync("api/models");
        Assert.Equal("[]", await models.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("application/json", "{}", "multipart/form-data")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nv\r\n--x--\r\n", "'model' file part")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nbroken", "multipart")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"model\"; filename=\"m.onnx\"\r\n\r\nbytes, then the body ends", "no closing boundary")]
    public async Task Upload_Malformed_400NamingTheProblem(string contentType, string body, string problem)
    {
        using var content = new StringContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        using var response = await _http.PostAsync("api/models/fraud/versions", content);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Contains(problem, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DocumentDescribesTheAdminRoutes()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();

        Assert.Contains("/api/endpoints/{endpoint}/traffic", paths);
        Assert.Contains("/api/endpoints/{endpoint}/rollback", paths);
        Assert.Contains("/api/models/{model}/versions", paths);
        Assert.Contains("/api/keys", paths);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        _data.Dispose();
        _repository.Dispose();
    }

    private static long? Number(JsonElement element) => element.ValueKind == JsonValueKind.Null ? null : element.GetInt64();

    private async Task<JsonElement> UploadAsync(string model, byte[] onnx, string? metadata = null)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(onnx), "model", "model.onnx" } };
        if (metadata is not null)
        {
            form.Add(new StringContent(metadata), "metadata");
        }

        using var response = await _http.PostAsync($"api/models/{model}/versions", form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<string> ServedByAsync(string endpoint)
    {
        var input = ReferenceMath.RandomInputs(8, seed: 1);
        using var response = await _http.PostAsJsonAsync(
            $"v2/models/{endpoint}/infer", new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 8 }, datatype = "FP32", data = input } } });
        response.EnsureSuccessStatusCode();
        return Assert.Single(response.Headers.GetValues(EndpointRouter.DeploymentHeader));
    }
}
