using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Features;

/// <summary>Models whose inputs the server assembles from online features by entity key, over REST and gRPC.</summary>
public sealed class FeatureAssemblyTests(FeatureAssemblyHost host) : IClassFixture<FeatureAssemblyHost>
{
    private static readonly long[] Customers = [1, 2, 1, 5];
    private static readonly long[] Products = [1, 5, 7, 300];
    private static readonly float[] Baskets = [0.5f, 1.5f, 2.5f, 3.5f];

    [Fact]
    public async Task InferRest_KeysOnly_SameOutputsAsAssembledTensorsSentToThePlainModel()
    {
        var assembled = await host.Http.PostJsonAsync("v2/models/ranker/infer", KeysJson(Customers, Products, Baskets));
        var direct = await host.Http.PostJsonAsync("v2/models/ranker_plain/infer", AssembledJson(Customers, Products, Baskets));

        Assert.Equal(HttpStatusCode.OK, assembled.Status);
        Assert.Equal(HttpStatusCode.OK, direct.Status);
        var echo = RestCalls.Floats(assembled.Output(RankingFeatures.EchoOutput));
        Assert.Equal(RestCalls.Floats(direct.Output(RankingFeatures.EchoOutput)), echo);
        Assert.Equal(Expected(Customers, Products, Baskets), echo);
        Assert.Equal([4L, 6L], RestCalls.Shape(assembled.Output(RankingFeatures.EchoOutput)));
    }

    [Fact]
    public async Task InferGrpc_KeysOnly_SameOutputsAsAssembledTensorsSentToThePlainModel()
    {
        var assembled = await host.Grpc.ModelInferAsync(KeysRequest("ranker", Customers, Products, Baskets));
        var direct = await host.Grpc.ModelInferAsync(AssembledRequest(Customers, Products, Baskets));

        Assert.Equal(Floats(direct, RankingFeatures.EchoOutput), Floats(assembled, RankingFeatures.EchoOutput));
        Assert.Equal(Expected(Customers, Products, Baskets), Floats(assembled, RankingFeatures.EchoOutput));
    }

    [Fact]
    public async Task Infer_EndpointOfRegisteredVersion_DeclarationTravelsWithTheVersion()
    {
        var rest = await host.Http.PostJsonAsync($"v2/models/{FeatureAssemblyHost.Endpoint}/infer", KeysJson(Customers, Products, Baskets));
        var grpc = await host.Grpc.ModelInferAsync(KeysRequest(FeatureAssemblyHost.Endpoint, Customers, Products, Baskets));

        Assert.Equal(HttpStatusCode.OK, rest.Status);
        Assert.Equal(Expected(Customers, Products, Baskets), RestCalls.Floats(rest.Output(RankingFeatures.EchoOutput)));
        Assert.Equal(Expected(Customers, Products, Baskets), Floats(grpc, RankingFeatures.EchoOutput));
    }

    [Fact]
    public async Task Infer_OneCustomerAnd200Products_OneLookupPerEntityOfDistinctKeysOnly()
    {
        var customers = Enumerable.Repeat(3L, 200).ToArray();
        var products = Enumerable.Range(1, 200).Select(p => (long)p).ToArray();
        var baskets = new float[200];
        RestResult? rest = null;
        ModelInferResponse? grpc = null;

        var restLookups = await host.LookupEntityRowsAsync(async () => rest = await host.Http.PostJsonAsync("v2/models/ranker/infer", KeysJson(customers, products, baskets)));
        var grpcLookups = await host.LookupEntityRowsAsync(async () => grpc = await host.Grpc.ModelInferAsync(KeysRequest("ranker", customers, products, baskets)));

        Assert.Equal(HttpStatusCode.OK, rest!.Status);
        Assert.Equal(Expected(customers, products, baskets), RestCalls.Floats(rest.Output(RankingFeatures.EchoOutput)));
        Assert.Equal(Expected(customers, products, baskets), Floats(grpc!, RankingFeatures.EchoOutput));
        Assert.Equal([1, 200], restLookups.Order());
        Assert.Equal([1, 200], grpcLookups.Order());
    }

    [Fact]
    public async Task Infer_UnknownAndStaleProducts_GetTheDeclaredDefaults()
    {
        long[] customers = [1, 1, 2];
        long[] products = [FeatureAssemblyHost.UnknownProduct, FeatureAssemblyHost.StaleProduct, 4];

        var rest = await host.Http.PostJsonAsync("v2/models/ranker/infer", KeysJson(customers, products, [0, 0, 0]));

        Assert.Equal(HttpStatusCode.OK, rest.Status);
        float[] missing(long c) => [RankingFeatures.Age(c), (float)RankingFeatures.Spend(c), -1, 0, 0, 0];
        Assert.Equal([.. missing(1), .. missing(1), .. RankingFeatures.ExpectedRow(2, 4, 0)], RestCalls.Floats(rest.Output(RankingFeatures.EchoOutput)));
    }

    [Theory]
    [InlineData(FeatureAssemblyHost.UnknownProduct, "NOT_FOUND")]
    [InlineData(FeatureAssemblyHost.StaleProduct, "OUTSIDE_MAX_AGE")]
    public async Task Infer_MissingFeatureUnderFail_Answers400NamingKeyAndFeature(long product, string status)
    {
        var rest = await host.Http.PostJsonAsync("v2/models/ranker_strict/infer", KeysJson([1, 1], [2, product], [0, 0]));
        var grpc = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.ModelInferAsync(KeysRequest("ranker_strict", [1, 1], [2, product], [0, 0])).ResponseAsync);

        rest.AssertError(HttpStatusCode.BadRequest, "product_stats:ctr", $"product_id {product}", status);
        Assert.Equal(StatusCode.InvalidArgument, grpc.StatusCode);
        Assert.Contains($"product_id {product}", grpc.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("product_stats:ctr", grpc.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metadata_FeatureModel_ListsWhatTheClientSends()
    {
        var rest = await host.Http.GetJsonAsync("v2/models/ranker");
        var grpc = await host.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "ranker" });

        Assert.Equal(HttpStatusCode.OK, rest.Status);
        Assert.Equal(
            ["customer_id INT64 [-1]", "product_id INT64 [-1]", "basket FP32 [-1,1]"],
            rest.Json.GetProperty("inputs").EnumerateArray().Select(i =>
                $"{i.GetProperty("name").GetString()} {i.GetProperty("datatype").GetString()} [{string.Join(",", i.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()))}]"));
        Assert.Equal(["customer_id INT64 [-1]", "product_id INT64 [-1]", "basket FP32 [-1,1]"], grpc.Inputs.Select(i => $"{i.Name} {i.Datatype} [{string.Join(",", i.Shape)}]"));
        Assert.Equal([RankingFeatures.EchoOutput], grpc.Outputs.Select(o => o.Name));
    }

    [Fact]
    public async Task Infer_ReturnFeatures_AnswersTheAssembledInputsAsOutputs()
    {
        var json = KeysJson([2], [FeatureAssemblyHost.UnknownProduct], [1]).Replace("{\"inputs\"", "{\"parameters\": {\"return_features\": true}, \"inputs\"", StringComparison.Ordinal);
        var grpcRequest = KeysRequest("ranker", [2], [FeatureAssemblyHost.UnknownProduct], [1]);
        grpcRequest.Parameters["return_features"] = new InferParameter { BoolParam = true };

        var rest = await host.Http.PostJsonAsync("v2/models/ranker/infer", json);
        var grpc = await host.Grpc.ModelInferAsync(grpcRequest);

        Assert.Equal(HttpStatusCode.OK, rest.Status);
        Assert.Equal([RankingFeatures.Age(2), (float)RankingFeatures.Spend(2), -1, 0], RestCalls.Floats(rest.Output("features.dense")));
        Assert.Equal([1L, 4L], RestCalls.Shape(rest.Output("features.dense")));
        Assert.Equal([0L], rest.Output("features.category").GetProperty("data").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("INT64", rest.Output("features.category").GetProperty("datatype").GetString());
        Assert.Equal([RankingFeatures.EchoOutput, "features.dense", "features.category"], grpc.Outputs.Select(o => o.Name));
        Assert.Equal([RankingFeatures.Age(2), (float)RankingFeatures.Spend(2), -1, 0], Floats(grpc, "features.dense"));
    }

    [Theory]
    [InlineData("""{"inputs": [{"name": "customer_id", "datatype": "FP32", "shape": [1], "data": [1]}, {"name": "product_id", "datatype": "INT64", "shape": [1], "data": [1]}, {"name": "basket", "datatype": "FP32", "shape": [1, 1], "data": [0]}]}""", "customer_id", "FP32")]
    [InlineData("""{"inputs": [{"name": "customer_id", "datatype": "INT64", "shape": [1, 2], "data": [1, 2]}, {"name": "product_id", "datatype": "INT64", "shape": [1], "data": [1]}, {"name": "basket", "datatype": "FP32", "shape": [1, 1], "data": [0]}]}""", "customer_id", "[1,2]")]
    [InlineData("""{"inputs": [{"name": "customer_id", "datatype": "INT64", "shape": [1], "data": [1]}, {"name": "basket", "datatype": "FP32", "shape": [1, 1], "data": [0]}]}""", "product_id", "missing")]
    [InlineData("""{"inputs": [{"name": "customer_id", "datatype": "INT64", "shape": [2], "data": [1, 2]}, {"name": "product_id", "datatype": "INT64", "shape": [1], "data": [1]}, {"name": "basket", "datatype": "FP32", "shape": [1, 1], "data": [0]}]}""", "product_id", "rows")]
    [InlineData("""{"inputs": [{"name": "customer_id", "datatype": "INT64", "shape": [1], "data": [1]}, {"name": "product_id", "datatype": "INT64", "shape": [1], "data": [1]}, {"name": "basket", "datatype": "FP32", "shape": [1, 1], "data": [0]}, {"name": "dense", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""", "dense", "assembled")]
    [InlineData("""{"inputs": [{"name": "customer_id", "datatype": "INT64", "shape": [1], "data": [1]}, {"name": "product_id", "datatype": "INT64", "shape": [1], "data": [1]}]}""", "basket", "missing")]
    [InlineData("""{"inputs": [{"name": "customer_id", "datatype": "INT64", "shape": [0], "data": []}, {"name": "product_id", "datatype": "INT64", "shape": [0], "data": []}]}""", "customer_id", "max_batch_size")]
    [InlineData("""{"parameters": {"return_features": "yes"}, "inputs": [{"name": "customer_id", "datatype": "INT64", "shape": [1], "data": [1]}, {"name": "product_id", "datatype": "INT64", "shape": [1], "data": [1]}, {"name": "basket", "datatype": "FP32", "shape": [1, 1], "data": [0]}]}""", "return_features", "true or false")]
    public async Task InferRest_BadKeyInputs_Answer400NamingTheInput(string json, string named, string problem)
    {
        var rest = await host.Http.PostJsonAsync("v2/models/ranker/infer", json);

        rest.AssertError(HttpStatusCode.BadRequest, named, problem);
    }

    [Fact]
    public async Task InferGrpc_AssembledInputSentToo_IsInvalidArgumentNamingIt()
    {
        var request = KeysRequest("ranker", [1], [1], [0]);
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "category",
            Datatype = "INT64",
            Shape = { 1, 1 },
            Contents = new InferTensorContents { Int64Contents = { 3 } },
        });

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.ModelInferAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("'category'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("assembled", error.Status.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadDeclarations => new()
    {
        { RankingFeatures.Config(features: "    service: nope\n    entities: [{input: customer_id, entity: customer, datatype: INT64}]\n    inputs: [{name: category, datatype: INT64, feature: product_stats:category}]"), "modeldock.features.service" },
        { RankingFeatures.Config(ctr: "customer_stats:email"), "modeldock.features.inputs[0].features[3]" },
        { RankingFeatures.Config(features: "    service: everything\n    entities: [{input: customer_id, entity: customer, datatype: INT64}]\n    inputs: [{name: dense, datatype: FP32, features: [customer_stats:age, customer_stats:spend_30d, customer_stats:email, customer_stats:age2]}]"), "modeldock.features.inputs[0].features[2]" },
        { RankingFeatures.Config(features: "    service: recommender\n    entities: [{input: customer_id, entity: customer, datatype: BYTES}]\n    inputs: [{name: category, datatype: INT64, feature: product_stats:category}]"), "modeldock.features.entities[0].datatype" },
        { RankingFeatures.Config(features: "    service: recommender\n    entities: [{input: customer_id, entity: shopper, datatype: INT64}]\n    inputs: [{name: category, datatype: INT64, feature: product_stats:category}]"), "modeldock.features.entities[0].entity" },
        { RankingFeatures.Config(features: "    service: recommender\n    entities: [{input: customer_id, entity: customer, datatype: INT64}]\n    inputs: [{name: category, datatype: INT64, feature: product_stats:category}]"), "modeldock.features.inputs[0].feature" },
        { RankingFeatures.Config(features: "    service: recommender\n    entities: [{input: product_id, entity: product, datatype: INT64}]\n    inputs: [{name: nope, datatype: INT64, feature: product_stats:category}]"), "modeldock.features.inputs[0].name" },
        { RankingFeatures.Config(features: "    service: recommender\n    entities: [{input: product_id, entity: product, datatype: INT64}]\n    inputs: [{name: category, datatype: FP32, feature: product_stats:price}]"), "modeldock.features.inputs[0].datatype" },
        { RankingFeatures.Config(features: "    service: recommender\n    entities: [{input: product_id, entity: product, datatype: INT64}]\n    inputs: [{name: category, datatype: INT64, feature: product_stats:price}]"), "modeldock.features.inputs[0].feature" },
        { RankingFeatures.Config(features: "    service: recommender\n    entities: [{input: product_id, entity: product, datatype: INT64}]\n    inputs: [{name: dense, datatype: FP32, features: [product_stats:price, product_stats:ctr]}]"), "modeldock.features.inputs[0].features" },
        { RankingFeatures.Config(features: "    service: recommender\n    entities: [{input: product_id, entity: product, datatype: INT64}]\n    inptus: []"), "modeldock.features.inptus" },
        { RankingFeatures.Config(features: "    service: recommender:7\n    entities: [{input: product_id, entity: product, datatype: INT64}]\n    inputs: [{name: category, datatype: INT64, feature: product_stats:category}]"), "modeldock.features.service" },
        { RankingFeatures.Config(ctr: "{feature: product_stats:ctr, on_missing: fail, default: 1}"), "modeldock.features.inputs[0].features[3].default" },
        { RankingFeatures.Config(maxBatchSize: 0), "modeldock.features" },
    };

    [Theory]
    [MemberData(nameof(BadDeclarations))]
    public async Task Load_BadDeclaration_FailsNamingTheKey(string config, string key)
    {
        var model = "bad_" + Guid.NewGuid().ToString("N")[..8];
        host.AddRanker(model, config);

        var load = await host.Http.PostJsonAsync($"v2/repository/models/{model}/load", "{}");

        load.AssertError(HttpStatusCode.BadRequest, $"key '{key}'");
        Assert.DoesNotContain('\n', load.Error);
    }

    [Fact]
    public async Task LoadUnloadReload_FeatureModel_BadReloadKeepsServingAndUnloadStops()
    {
        const string model = "ranker_reload";
        host.AddRanker(model, RankingFeatures.Config());
        var keys = KeysJson([1], [2], [0]);

        var loaded = await host.Http.PostJsonAsync($"v2/repository/models/{model}/load", "{}");
        var first = await host.Http.PostJsonAsync($"v2/models/{model}/infer", keys);
        host.AddRanker(model, RankingFeatures.Config(ctr: "product_stats:nope"));
        var badReload = await host.Http.PostJsonAsync($"v2/repository/models/{model}/load", "{}");
        var afterBadReload = await host.Http.PostJsonAsync($"v2/models/{model}/infer", keys);
        var unloaded = await host.Http.PostJsonAsync($"v2/repository/models/{model}/unload", "{}");
        var afterUnload = await host.Http.PostJsonAsync($"v2/models/{model}/infer", keys);
        host.AddRanker(model, RankingFeatures.Config(ctr: "{feature: product_stats:ctr, default: 7}"));
        var reloaded = await host.Http.PostJsonAsync($"v2/repository/models/{model}/load", "{}");
        var afterReload = await host.Http.PostJsonAsync($"v2/models/{model}/infer", KeysJson([1], [FeatureAssemblyHost.UnknownProduct], [0]));

        Assert.Equal(HttpStatusCode.OK, loaded.Status);
        Assert.Equal(RankingFeatures.ExpectedRow(1, 2, 0), RestCalls.Floats(first.Output(RankingFeatures.EchoOutput)));
        badReload.AssertError(HttpStatusCode.BadRequest, "modeldock.features.inputs[0].features[3]");
        Assert.Equal(RankingFeatures.ExpectedRow(1, 2, 0), RestCalls.Floats(afterBadReload.Output(RankingFeatures.EchoOutput)));
        Assert.Equal(HttpStatusCode.OK, unloaded.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, afterUnload.Status);
        Assert.Equal(HttpStatusCode.OK, reloaded.Status);
        Assert.Equal([RankingFeatures.Age(1), (float)RankingFeatures.Spend(1), -1, 7, 0, 0], RestCalls.Floats(afterReload.Output(RankingFeatures.EchoOutput)));
    }

    [Fact]
    public async Task Load_FeatureModelOnServerWithoutFeatures_FailsSayingSo()
    {
        using var models = new TestModelRepository();
        models.AddVersion("ranker", 1, RankingFeatures.EchoModel());
        File.WriteAllText(Path.Combine(models.Path, "ranker", "config.yaml"), RankingFeatures.Config());
        await using var server = ModelDockHost.Create(
            o => (o.HttpPort, o.GrpcPort) = (0, 0),
            b =>
            {
                b.Services.AddModelDock().AddModelRepository(r => (r.RepositoryPath, r.StrictReadiness) = (models.Path, false));
                b.Logging.ClearProviders();
            });
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.HttpAddress };

        var index = await http.PostJsonAsync("v2/repository/index", "{}");
        var infer = await http.PostJsonAsync("v2/models/ranker/infer", KeysJson([1], [1], [0]));

        var reason = index.Json.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "ranker").GetProperty("reason").GetString();
        Assert.Contains("key 'modeldock.features'", reason, StringComparison.Ordinal);
        Assert.Contains("serves no feature definitions", reason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, infer.Status);
    }

    internal static string KeysJson(long[] customers, long[] products, float[] baskets) =>
        JsonSerializer.Serialize(new
        {
            inputs = new object[]
            {
                new { name = "customer_id", datatype = "INT64", shape = new[] { customers.Length }, data = customers },
                new { name = "product_id", datatype = "INT64", shape = new[] { products.Length, 1 }, data = products },
                new { name = "basket", datatype = "FP32", shape = new[] { baskets.Length, 1 }, data = baskets },
            },
        });

    private static string AssembledJson(long[] customers, long[] products, float[] baskets) =>
        JsonSerializer.Serialize(new
        {
            inputs = new object[]
            {
                new { name = "dense", datatype = "FP32", shape = new[] { customers.Length, 4 }, data = Dense(customers, products) },
                new { name = "category", datatype = "INT64", shape = new[] { products.Length, 1 }, data = products.Select(RankingFeatures.Category).ToArray() },
                new { name = "basket", datatype = "FP32", shape = new[] { baskets.Length, 1 }, data = baskets },
            },
        });

    internal static ModelInferRequest KeysRequest(string model, long[] customers, long[] products, float[] baskets)
    {
        var request = new ModelInferRequest { ModelName = model };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "customer_id",
            Datatype = "INT64",
            Shape = { customers.Length, 1 },
            Contents = new InferTensorContents { Int64Contents = { customers } },
        });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "product_id",
            Datatype = "INT64",
            Shape = { products.Length },
            Contents = new InferTensorContents { Int64Contents = { products } },
        });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "basket",
            Datatype = "FP32",
            Shape = { baskets.Length, 1 },
            Contents = new InferTensorContents { Fp32Contents = { baskets } },
        });
        return request;
    }

    private static ModelInferRequest AssembledRequest(long[] customers, long[] products, float[] baskets)
    {
        var request = new ModelInferRequest { ModelName = "ranker_plain" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "dense",
            Datatype = "FP32",
            Shape = { customers.Length, 4 },
            Contents = new InferTensorContents { Fp32Contents = { Dense(customers, products) } },
        });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "category",
            Datatype = "INT64",
            Shape = { products.Length, 1 },
            Contents = new InferTensorContents { Int64Contents = { products.Select(RankingFeatures.Category) } },
        });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "basket",
            Datatype = "FP32",
            Shape = { baskets.Length, 1 },
            Contents = new InferTensorContents { Fp32Contents = { baskets } },
        });
        return request;
    }

    private static float[] Dense(long[] customers, long[] products) =>
        [.. customers.Zip(products).SelectMany(r => new[] { RankingFeatures.Age(r.First), (float)RankingFeatures.Spend(r.First), RankingFeatures.Price(r.Second), (float)RankingFeatures.Ctr(r.Second) })];

    private static float[] Expected(long[] customers, long[] products, float[] baskets) =>
        [.. Enumerable.Range(0, customers.Length).SelectMany(r => RankingFeatures.ExpectedRow(customers[r], products[r], baskets[r]))];

    /// <summary>An output of a gRPC answer, raw or typed, as floats.</summary>
    internal static float[] Floats(ModelInferResponse response, string output)
    {
        var index = response.Outputs.Select(o => o.Name).ToList().IndexOf(output);
        Assert.True(index >= 0, $"no output '{output}'");
        return response.RawOutputContents.Count > index
            ? MemoryMarshal.Cast<byte, float>(response.RawOutputContents[index].Span).ToArray()
            : [.. response.Outputs[index].Contents.Fp32Contents];
    }
}
