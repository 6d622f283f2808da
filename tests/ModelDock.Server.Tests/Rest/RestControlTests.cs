using System.Net;
using System.Text.Json;
using ModelDock.Onnx;
using ModelDock.Server.Tests.Infrastructure;
using Xunit;
using static ModelDock.Server.Tests.Rest.RestInferTests;

namespace ModelDock.Server.Tests.Rest;

/// <summary>Health, metadata, repository and statistics routes.</summary>
[Collection(ServerCollection.Name)]
public sealed class RestControlTests
{
    private readonly ServerFixture _server;

    public RestControlTests(ServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task Live_Returns200WithLiveTrue()
    {
        var result = await _server.Http.GetJsonAsync("/v2/health/live");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.True(result.Json.GetProperty("live").GetBoolean());
    }

    [Fact]
    public async Task Ready_AllModelsLoaded_Returns200WithReadyTrue()
    {
        var result = await _server.Http.GetJsonAsync("/v2/health/ready");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.True(result.Json.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task ServerMetadata_ReportsNameVersionAndExtensions()
    {
        var result = await _server.Http.GetJsonAsync("/v2");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal("modeldock", result.Json.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(result.Json.GetProperty("version").GetString()));
        var extensions = result.Json.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(["binary_tensor_data", "classification", "model_repository", "model_configuration", "statistics", "parameters", "schedule_policy"], extensions);
    }

    [Fact]
    public async Task ModelMetadata_TwoInputModel_ReportsSignature()
    {
        var result = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.TwoInput}");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(ServerFixture.TwoInput, result.Json.GetProperty("name").GetString());
        Assert.Equal(["1"], result.Json.GetProperty("versions").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal("onnx_onnxv1", result.Json.GetProperty("platform").GetString());
        var inputs = result.Json.GetProperty("inputs").EnumerateArray().ToArray();
        Assert.Equal([DemoModels.TwoInputIds, DemoModels.TwoInputValues], inputs.Select(i => i.GetProperty("name").GetString()!).ToArray());
        Assert.Equal(["INT64", "FP32"], inputs.Select(i => i.GetProperty("datatype").GetString()!).ToArray());
        Assert.Equal([-1L, DemoModels.TwoInputWidth], RestCalls.Shape(inputs[0]));
        var output = result.Json.GetProperty("outputs")[0];
        Assert.Equal(DemoModels.TwoInputOutput, output.GetProperty("name").GetString());
        Assert.Equal([-1L, 1L], RestCalls.Shape(output));
    }

    [Fact]
    public async Task ModelConfig_DynamicallyBatchedModel_ReportsTritonFieldsWithoutTheBatchDimension()
    {
        var result = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Slow}/config");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        var config = result.Json;
        Assert.Equal(ServerFixture.Slow, config.GetProperty("name").GetString());
        Assert.Equal("onnxruntime", config.GetProperty("backend").GetString());
        Assert.Equal(1, config.GetProperty("max_batch_size").GetInt32());
        Assert.Equal(1, config.GetProperty("version_policy").GetProperty("latest").GetProperty("num_versions").GetInt32());
        var input = config.GetProperty("input")[0];
        Assert.Equal(DemoModels.MlpInput, input.GetProperty("name").GetString());
        Assert.Equal("TYPE_FP32", input.GetProperty("data_type").GetString());
        Assert.Equal([2L], input.GetProperty("dims").EnumerateArray().Select(d => d.GetInt64()).ToArray());
        Assert.Equal([2L], config.GetProperty("output")[0].GetProperty("dims").EnumerateArray().Select(d => d.GetInt64()).ToArray());
        var batching = config.GetProperty("dynamic_batching");
        Assert.Equal(0, batching.GetProperty("max_queue_delay_microseconds").GetInt64());
        Assert.Equal(1, batching.GetProperty("default_queue_policy").GetProperty("max_queue_size").GetInt32());
        Assert.Equal(1, config.GetProperty("instance_group")[0].GetProperty("count").GetInt32());
        Assert.Equal("KIND_CPU", config.GetProperty("instance_group")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task ModelConfig_ModelsWithoutDynamicBatching_ReportTheirTypesDimsAndPolicy()
    {
        var twoInput = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.TwoInput}/config");
        var strings = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Strings}/config");
        var noBatch = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.NoBatch}/config");
        var noBatchMetadata = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.NoBatch}");
        var versioned = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Versioned}/versions/2/config");

        Assert.Equal(["TYPE_INT64", "TYPE_FP32"], twoInput.Json.GetProperty("input").EnumerateArray().Select(i => i.GetProperty("data_type").GetString()!).ToArray());
        Assert.Equal([(long)DemoModels.TwoInputWidth], twoInput.Json.GetProperty("input")[0].GetProperty("dims").EnumerateArray().Select(d => d.GetInt64()).ToArray());
        Assert.False(twoInput.Json.TryGetProperty("dynamic_batching", out _));
        Assert.Equal("TYPE_STRING", strings.Json.GetProperty("input")[0].GetProperty("data_type").GetString());
        Assert.Equal(0, noBatch.Json.GetProperty("max_batch_size").GetInt32());
        Assert.Equal(
            RestCalls.Shape(noBatchMetadata.Json.GetProperty("inputs")[0]),
            noBatch.Json.GetProperty("input")[0].GetProperty("dims").EnumerateArray().Select(d => d.GetInt64()).ToArray());
        Assert.True(versioned.Json.GetProperty("version_policy").TryGetProperty("all", out _));
        Assert.Equal(DemoModels.IdentityInput, versioned.Json.GetProperty("input")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task ModelConfig_UnknownModel_Returns404()
    {
        var result = await _server.Http.GetJsonAsync("/v2/models/nope/config");

        Assert.Equal(HttpStatusCode.NotFound, result.Status);
        Assert.Contains("nope", result.Json.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelMetadata_VersionRoute_DescribesThatVersion()
    {
        var v1 = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Versioned}/versions/1");
        var v2 = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Versioned}/versions/2");

        Assert.Equal(["1", "2"], v1.Json.GetProperty("versions").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(DemoModels.NoBatchInput, v1.Json.GetProperty("inputs")[0].GetProperty("name").GetString());
        Assert.Equal(DemoModels.IdentityInput, v2.Json.GetProperty("inputs")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task ModelMetadata_UnknownModelOrVersion_Returns404()
    {
        (await _server.Http.GetJsonAsync("/v2/models/nope")).AssertError(HttpStatusCode.NotFound, "nope");
        (await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Versioned}/versions/3")).AssertError(HttpStatusCode.NotFound, "version '3'");
    }

    [Fact]
    public async Task ModelReady_LoadedModelAndVersion_Returns200()
    {
        var model = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Mlp}/ready");
        var version = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Versioned}/versions/2/ready");

        Assert.Equal(HttpStatusCode.OK, model.Status);
        Assert.Equal(ServerFixture.Mlp, model.Json.GetProperty("name").GetString());
        Assert.True(model.Json.GetProperty("ready").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, version.Status);
    }

    [Fact]
    public async Task ModelReady_UnknownModelOrVersion_Returns404LikeInference()
    {
        (await _server.Http.GetJsonAsync("/v2/models/nope/ready")).AssertError(HttpStatusCode.NotFound, "model 'nope' not found");
        (await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Mlp}/versions/9/ready"))
            .AssertError(HttpStatusCode.NotFound, "version '9' of model 'mlp' not found");
    }

    [Fact]
    public async Task Repository_IndexUnloadLoad_ChangesStateAndServing()
    {
        var before = await IndexAsync("{}");
        Assert.Contains(before, e => e.Name == ServerFixture.Spare && e.State == "READY" && e.Version == "1");

        Assert.Equal(HttpStatusCode.OK, (await _server.Http.PostJsonAsync($"/v2/repository/models/{ServerFixture.Spare}/unload", string.Empty)).Status);
        var unloaded = await IndexAsync("""{"ready": false}""");
        var readyOnly = await IndexAsync("""{"ready": true}""");
        var notReady = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Spare}/ready");
        var infer = await _server.Http.PostJsonAsync(InferPath(ServerFixture.Spare), """{"inputs": []}""");

        Assert.Contains(unloaded, e => e.Name == ServerFixture.Spare && e.State == "UNAVAILABLE");
        Assert.DoesNotContain(readyOnly, e => e.Name == ServerFixture.Spare);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, infer.Status);

        Assert.Equal(HttpStatusCode.OK, (await _server.Http.PostJsonAsync($"/v2/repository/models/{ServerFixture.Spare}/load", """{"parameters": {}}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Spare}/ready")).Status);
    }

    [Fact]
    public async Task Repository_UnloadModelNotLoaded_Returns200AndReadyMetadataInferAnswer503()
    {
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.PostJsonAsync($"/v2/repository/models/{ServerFixture.Spare}/unload", string.Empty)).Status);

        var again = await _server.Http.PostJsonAsync($"/v2/repository/models/{ServerFixture.Spare}/unload", string.Empty);
        var ready = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Spare}/ready");
        var metadata = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Spare}");
        var infer = await _server.Http.PostJsonAsync(InferPath(ServerFixture.Spare), """{"inputs": []}""");
        var unknown = await _server.Http.PostJsonAsync("/v2/repository/models/nope/unload", string.Empty);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.PostJsonAsync($"/v2/repository/models/{ServerFixture.Spare}/load", string.Empty)).Status);

        Assert.Equal(HttpStatusCode.OK, again.Status);
        ready.AssertError(HttpStatusCode.ServiceUnavailable, $"model '{ServerFixture.Spare}' is unloaded");
        metadata.AssertError(HttpStatusCode.ServiceUnavailable, $"model '{ServerFixture.Spare}' is unloaded");
        infer.AssertError(HttpStatusCode.ServiceUnavailable, $"model '{ServerFixture.Spare}' is unloaded");
        unknown.AssertError(HttpStatusCode.NotFound, "model 'nope' not found");
    }

    [Fact]
    public async Task Repository_LoadUnknownModel_Returns404()
    {
        var result = await _server.Http.PostJsonAsync("/v2/repository/models/nope/load", string.Empty);

        result.AssertError(HttpStatusCode.NotFound, "nope");
    }

    [Fact]
    public async Task Repository_LoadWithConfigOverride_Returns400NamingTheParameter()
    {
        var result = await _server.Http.PostJsonAsync($"/v2/repository/models/{ServerFixture.Spare}/load", """{"parameters": {"config": "{}"}}""");

        result.AssertError(HttpStatusCode.BadRequest, "parameter 'config' is not supported");
    }

    [Fact]
    public async Task Repository_UnloadWithUnknownParameter_Returns400()
    {
        var result = await _server.Http.PostJsonAsync($"/v2/repository/models/{ServerFixture.Spare}/unload", """{"parameters": {"force": true}}""");

        result.AssertError(HttpStatusCode.BadRequest, "parameter 'force'");
    }

    [Fact]
    public async Task Statistics_AfterOneInference_CountsItInTritonShape()
    {
        var path = $"/v2/models/{ServerFixture.TwoInput}/versions/1/stats";
        var before = Stats(await _server.Http.GetJsonAsync(path));
        var json = """{"inputs": [{"name": "ids", "shape": [1, 4], "datatype": "INT64", "data": [1,2,3,4]}, {"name": "values", "shape": [1, 4], "datatype": "FP32", "data": [1,1,1,1]}]}""";
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.PostJsonAsync(InferPath(ServerFixture.TwoInput), json)).Status);

        var after = Stats(await _server.Http.GetJsonAsync(path));

        Assert.Equal(ServerFixture.TwoInput, after.GetProperty("name").GetString());
        Assert.Equal("1", after.GetProperty("version").GetString());
        Assert.Equal(Count(before, "success") + 1, Count(after, "success"));
        Assert.Equal(before.GetProperty("inference_count").GetUInt64() + 1, after.GetProperty("inference_count").GetUInt64());
        Assert.True(after.GetProperty("last_inference").GetUInt64() > 0);
        foreach (var key in new[] { "fail", "queue", "compute_input", "compute_infer", "compute_output", "cache_hit", "cache_miss" })
        {
            Assert.True(after.GetProperty("inference_stats").GetProperty(key).TryGetProperty("ns", out _), key);
        }

        Assert.Equal(JsonValueKind.Array, after.GetProperty("batch_stats").ValueKind);
    }

    [Fact]
    public async Task Statistics_AllModelsAndOneModel_ListTheirVersions()
    {
        var all = await _server.Http.GetJsonAsync("/v2/models/stats");
        var one = await _server.Http.GetJsonAsync($"/v2/models/{ServerFixture.Versioned}/stats");
        var unknown = await _server.Http.GetJsonAsync("/v2/models/nope/stats");

        Assert.Contains(all.Json.GetProperty("model_stats").EnumerateArray(), s => s.GetProperty("name").GetString() == ServerFixture.Mlp);
        Assert.Equal(["1", "2"], one.Json.GetProperty("model_stats").EnumerateArray().Select(s => s.GetProperty("version").GetString()!).ToArray());
        unknown.AssertError(HttpStatusCode.NotFound, "nope");
    }

    private static JsonElement Stats(RestResult result)
    {
        Assert.Equal(HttpStatusCode.OK, result.Status);
        return result.Json.GetProperty("model_stats").EnumerateArray().Single();
    }

    private static ulong Count(JsonElement stats, string key) =>
        stats.GetProperty("inference_stats").GetProperty(key).GetProperty("count").GetUInt64();

    private async Task<List<(string Name, string? Version, string State)>> IndexAsync(string body)
    {
        var result = await _server.Http.PostJsonAsync("/v2/repository/index", body);
        Assert.Equal(HttpStatusCode.OK, result.Status);
        return result.Json.EnumerateArray()
            .Select(e => (e.GetProperty("name").GetString()!, e.TryGetProperty("version", out var v) ? v.GetString() : null, e.GetProperty("state").GetString()!))
            .ToList();
    }
}
