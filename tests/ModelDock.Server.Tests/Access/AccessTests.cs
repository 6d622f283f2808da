using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Access;
using ModelDock.Errors;
using ModelDock.Onnx;
using ModelDock.Registry;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Access;

/// <summary>
/// Who may call what, for each way a server can be exposed: loopback (keys optional), beyond loopback (changes need an
/// admin key, inference stays open) and RequireAuth (every call but health needs a key), over REST and gRPC, with no
/// key, a wrong key, an inference key and an admin key.
/// </summary>
public sealed class AccessTests : IAsyncDisposable
{
    private readonly TempFolder _data = new();
    private readonly TestModelRepository _repository = new();
    private ModelDockHost? _host;

    public enum Key
    {
        None,
        Wrong,
        Inference,
        Admin,
    }

    public static TheoryData<string, bool, Key, int, int, int> Cases => new()
    {
        // host, RequireAuth, key sent → status of inference, of an admin API call, of Triton's unload
        { "127.0.0.1", false, Key.None, 200, 200, 200 },
        { "127.0.0.1", false, Key.Wrong, 401, 401, 401 },
        { "127.0.0.1", false, Key.Inference, 200, 403, 403 },
        { "127.0.0.1", false, Key.Admin, 200, 200, 200 },
        { "0.0.0.0", false, Key.None, 200, 401, 401 },
        { "0.0.0.0", false, Key.Wrong, 401, 401, 401 },
        { "0.0.0.0", false, Key.Inference, 200, 403, 403 },
        { "0.0.0.0", false, Key.Admin, 200, 200, 200 },
        { "127.0.0.1", true, Key.None, 401, 401, 401 },
        { "127.0.0.1", true, Key.Wrong, 401, 401, 401 },
        { "127.0.0.1", true, Key.Inference, 200, 403, 403 },
        { "127.0.0.1", true, Key.Admin, 200, 200, 200 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Rest_EachExposureAndKey_AnswersAsThePolicySays(string host, bool requireAuth, Key key, int infer, int admin, int unload)
    {
        var tokens = await StartAsync(host, requireAuth);
        using var http = Client(key, tokens);

        using var inferResponse = await http.PostAsJsonAsync("v2/models/mlp/infer", InferBody());
        using var adminResponse = await http.GetAsync("api/endpoints");
        using var unloadResponse = await http.PostAsync("v2/repository/models/mlp/unload", null);
        using var live = await http.GetAsync("v2/health/live");
        using var ready = await http.GetAsync("v2/health/ready");
        using var metrics = await http.GetAsync("metrics");

        Assert.Equal((infer, admin, unload), ((int)inferResponse.StatusCode, (int)adminResponse.StatusCode, (int)unloadResponse.StatusCode));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (live.StatusCode, ready.StatusCode, metrics.StatusCode));
        if (admin >= 400)
        {
            Assert.Contains(admin == 403 ? "admin key" : "key", await adminResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Grpc_EachExposureAndKey_AnswersAsThePolicySays(string host, bool requireAuth, Key key, int infer, int admin, int unload)
    {
        _ = admin;
        var tokens = await StartAsync(host, requireAuth);
        using var channel = GrpcChannel.ForAddress(new UriBuilder("http", "127.0.0.1", _host!.GrpcPort).Uri);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var headers = key == Key.None ? [] : new Metadata { { "authorization", "Bearer " + Token(key, tokens) } };
        var request = new ModelInferRequest { ModelName = "mlp" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = DemoModels.MlpInput, Datatype = "FP32", Shape = { 1, 4 }, Contents = new InferTensorContents { Fp32Contents = { new float[4] } } });

        var inferStatus = await StatusOfAsync(() => client.ModelInferAsync(request, headers).ResponseAsync);
        var unloadStatus = await StatusOfAsync(() => client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "mlp" }, headers).ResponseAsync);
        var liveStatus = await StatusOfAsync(() => client.ServerLiveAsync(new ServerLiveRequest()).ResponseAsync);

        Assert.Equal((Grpc(infer), Grpc(unload), StatusCode.OK), (inferStatus, unloadStatus, liveStatus));
    }

    [Theory]
    [InlineData("0.0.0.0", false)]
    [InlineData("127.0.0.1", true)]
    public async Task Start_KeysNeededButNoAdminKey_RefusedNamingTheCommandThatCreatesOne(string host, bool requireAuth)
    {
        using (var storage = RegistryStorage.Local(_data.Path))
        {
            await new ApiKeys(storage.Keys, TimeProvider.System).CreateAsync("reader", ApiKeyRole.Inference, "test", default);
        }

        var refused = Assert.Throws<ModelDockException>(() => Create(host, requireAuth));

        Assert.Contains("modeldock keys create --role admin", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedKey_RefusedOnceTheCacheLifetimePasses()
    {
        var tokens = await StartAsync("127.0.0.1", requireAuth: true);
        using var http = Client(Key.Admin, tokens);
        using var created = await http.PostAsJsonAsync("api/keys", new { name = "temporary", role = "inference" });
        var key = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>());
        using var reader = new HttpClient { BaseAddress = _host!.HttpAddress };
        reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.GetProperty("token").GetString());

        using var before = await reader.PostAsJsonAsync("v2/models/mlp/infer", InferBody());
        using var revoked = await http.DeleteAsync($"api/keys/{key.GetProperty("id").GetString()}");
        using var after = await reader.PostAsJsonAsync("v2/models/mlp/infer", InferBody());
        using var listed = await http.GetAsync("api/keys");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.Unauthorized), (created.StatusCode, before.StatusCode, revoked.StatusCode, after.StatusCode));
        Assert.DoesNotContain("temporary", await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(key.GetProperty("token").GetString()!, await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _repository.Dispose();
        _data.Dispose();
    }

    private static StatusCode Grpc(int http) => http switch
    {
        200 => StatusCode.OK,
        401 => StatusCode.Unauthenticated,
        _ => StatusCode.PermissionDenied,
    };

    private static async Task<StatusCode> StatusOfAsync(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private static object InferBody() => new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 4 }, datatype = "FP32", data = new float[4] } } };

    private static string Token(Key key, (string Inference, string Admin) tokens) => key switch
    {
        Key.Wrong => ApiKeys.Prefix + "0123456789ab_not-the-secret",
        Key.Inference => tokens.Inference,
        _ => tokens.Admin,
    };

    private HttpClient Client(Key key, (string Inference, string Admin) tokens)
    {
        var http = new HttpClient { BaseAddress = new UriBuilder("http", "127.0.0.1", _host!.HttpPort).Uri };
        if (key != Key.None)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(key, tokens));
        }

        return http;
    }

    private async Task<(string Inference, string Admin)> StartAsync(string host, bool requireAuth)
    {
        _repository.AddVersion("mlp", 1, DemoModels.Mlp([4, 3], seed: 5).Onnx);
        string inference, admin;
        using (var storage = RegistryStorage.Local(_data.Path))
        {
            var keys = new ApiKeys(storage.Keys, TimeProvider.System);
            inference = (await keys.CreateAsync("reader", ApiKeyRole.Inference, "test", default)).Token;
            admin = (await keys.CreateAsync("operator", ApiKeyRole.Admin, "test", default)).Token;
        }

        _host = Create(host, requireAuth);
        await _host.StartAsync();
        return (inference, admin);
    }

    private ModelDockHost Create(string host, bool requireAuth) =>
        ModelDockHost.Create(
            ServerFixture.AnyFreePorts + (o => (o.Host, o.RequireAuth) = (host, requireAuth)),
            b =>
            {
                b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = _repository.Path).AddRegistryEndpoints(r => r.DataDir = _data.Path);
                b.Logging.ClearProviders();
            });
}
