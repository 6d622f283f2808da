using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Server.Tests.Observability;
using Xunit;
using static ModelDock.Server.Tests.Rest.RestInferTests;

namespace ModelDock.Server.Tests.Hardening;

/// <summary>Beyond the running and waiting limits, inference is refused at once, before its body is read; health and metadata never wait.</summary>
[Collection(ServerCollection.Name)]
public sealed class InferenceAdmissionTests
{
    private readonly ServerFixture _server;

    public InferenceAdmissionTests(ServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task Infer_BeyondRunningAndWaitingLimits_Returns429AtOnceWhileHealthAndMetadataServe()
    {
        await using var host = _server.StartHost(o => { o.MaxConcurrentInferences = 1; o.MaxQueuedInferences = 1; });
        await host.StartAsync();
        using var recorded = new RecordedMeasurements(host.App.Services);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        while (_server.SlowEntered.Wait(0))
        {
        }

        _server.SlowGate.Reset();
        Task<RestResult> running, waiting;
        RestResult refused;
        RpcException refusedGrpc;
        try
        {
            running = http.PostJsonAsync(InferPath(ServerFixture.Slow), SlowRequest(string.Empty));
            Assert.True(await _server.SlowEntered.WaitAsync(TimeSpan.FromSeconds(10)));
            waiting = http.PostJsonAsync(InferPath(ServerFixture.Slow), SlowRequest(string.Empty));
            await Task.Delay(200);

            refused = await http.PostJsonAsync(InferPath(ServerFixture.Slow), SlowRequest(string.Empty));
            refusedGrpc = await Assert.ThrowsAsync<RpcException>(async () => await grpc.ModelInferAsync(new ModelInferRequest { ModelName = ServerFixture.Slow }));
            Assert.Equal(HttpStatusCode.OK, (await http.GetJsonAsync("/v2/health/ready")).Status);
            Assert.Equal(HttpStatusCode.OK, (await http.GetJsonAsync($"/v2/models/{ServerFixture.Slow}")).Status);
            Assert.True((await grpc.ServerReadyAsync(new ServerReadyRequest())).Ready);
            Assert.False(waiting.IsCompleted);
        }
        finally
        {
            _server.SlowGate.Set();
        }

        refused.AssertError(HttpStatusCode.TooManyRequests, "inference limit", "1 running, 1 waiting");
        Assert.Equal("1", refused.Response.Headers.RetryAfter?.ToString());
        Assert.Equal(StatusCode.ResourceExhausted, refusedGrpc.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await running).Status);
        Assert.Equal(HttpStatusCode.OK, (await waiting).Status);
        var refusals = recorded.Of("modeldock.inference.requests").Where(m => m["outcome"] == "queue_full").ToList();
        Assert.Equal(2, refusals.Count);
        Assert.Contains(refusals, m => (m["model"], m["protocol"]) == (ServerFixture.Slow, "rest"));
        Assert.Contains(refusals, m => (m["model"], m["protocol"]) == ("unknown", "grpc"));
    }
}
