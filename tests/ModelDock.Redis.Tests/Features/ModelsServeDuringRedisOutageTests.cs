using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Onnx;
using ModelDock.Redis.Features;
using ModelDock.Server.Features;
using ModelDock.Server.Hosting;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Redis.Tests.Features;

/// <summary>The whole server, models and features on one host: losing Redis degrades features only.</summary>
public sealed class ModelsServeDuringRedisOutageTests
{
    [Fact]
    public async Task Serve_RedisUnreachable_FeaturesAnswer503WhileModelsKeepServing()
    {
        using var folder = new TempFolder();
        using var repository = new TestModelRepository();
        repository.AddVersion("no_batch", 1, DemoModels.NoBatch());
        var store = await RedisOnlineStore.ConnectAsync(new RedisOnlineStoreOptions
        {
            Configuration = $"127.0.0.1:{LoopbackPorts.Free()}",
            ConnectTimeout = TimeSpan.FromMilliseconds(300),
        });
        await using var host = ModelDockHost.Create(
            o => (o.HttpPort, o.GrpcPort) = (0, 0),
            b =>
            {
                b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = repository.Path);
                b.Logging.ClearProviders();
                b.Services.AddFeatureServing(DriverFeatureRepository.Create(folder.Path), store, folder.Path);
            },
            app => app.MapFeatureRoutes());
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress };

        using var features = await http.PostAsync(
            "get-online-features",
            new StringContent("""{"features": ["driver_stats:trips"], "entities": {"driver_id": [1]}}""", System.Text.Encoding.UTF8, "application/json"));
        using var featureHealth = await http.GetAsync("health/features");
        using var ready = await http.GetAsync("v2/health/ready");
        var x = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        using var infer = await http.PostAsJsonAsync(
            "v2/models/no_batch/infer",
            new { inputs = new[] { new { name = DemoModels.NoBatchInput, shape = new[] { 3, 4 }, datatype = "FP32", data = x } } });
        var outputs = await infer.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, features.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, featureHealth.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, infer.StatusCode);
        Assert.Equal(
            ReferenceMath.DoublePlusOne(x),
            outputs.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
    }
}
