using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using ModelDock.Server.Admission;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using Xunit;
using static ModelDock.Server.Tests.Rest.RestInferTests;

namespace ModelDock.Server.Tests.Hardening;

/// <summary>What every request in flight holds together is bounded by the budget, whatever clients declare or send.</summary>
[Collection(MeasuredServerCollection.Name)]
public sealed class RequestMemoryBudgetTests
{
    private const string GoodNoBatch = """{"inputs": [{"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [1,2,3,4,5,6,7,8,9,10,11,12]}]}""";

    private readonly ServerFixture _server;

    public RequestMemoryBudgetTests(ServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task Infer_BodyLargerThanTheBudgetLeft_Returns429AndReleasesWhatItHeld()
    {
        await using var host = await StartAsync(budget: 1024 * 1024);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        var budget = host.App.Services.GetRequiredService<RequestMemoryBudget>();

        var tooMuch = await RestCalls.SendAsync(http, new HttpRequestMessage(HttpMethod.Post, InferPath(ServerFixture.NoBatch))
        {
            Content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(GoodNoBatch + new string(' ', 2 * 1024 * 1024)))),
        });

        tooMuch.AssertError(HttpStatusCode.TooManyRequests, "bytes of request data in flight");
        Assert.Equal(HttpStatusCode.OK, (await http.PostJsonAsync(InferPath(ServerFixture.NoBatch), GoodNoBatch)).Status);
        Assert.Equal(budget.Capacity, budget.Available);
    }

    [Fact]
    public async Task Infer_DeclaredLengthBeyondTheBudget_Returns429BeforeReadingAndClosesTheConnection()
    {
        await using var host = await StartAsync(budget: 1024 * 1024);
        using var client = await RawHttp.StartRequestAsync(
            host.HttpPort,
            InferPath(ServerFixture.NoBatch),
            ["Content-Type: application/json", "Content-Length: 4194304"],
            "{"u8.ToArray());

        Assert.Equal(429, await RawHttp.ReadStatusAsync(client));
    }

    [Fact]
    public async Task ModelInfer_MessageLargerThanTheBudgetLeft_AnswersResourceExhausted()
    {
        await using var host = await StartAsync(budget: 1024 * 1024);
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var budget = host.App.Services.GetRequiredService<RequestMemoryBudget>();
        var request = new ModelInferRequest { ModelName = ServerFixture.NoBatch };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 3, 4 } });
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[2 * 1024 * 1024]));

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await grpc.ModelInferAsync(request));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("bytes of request data in flight", refused.Status.Detail, StringComparison.Ordinal);
        await WaitUntilAsync(() => budget.Available == budget.Capacity);
    }

    [Fact]
    public async Task Infer_HundredsOfHostileConnections_HeldMemoryStaysWithinTheBudget()
    {
        const long Budget = 16 * 1024 * 1024;
        await using var host = await StartAsync(Budget);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        var budget = host.App.Services.GetRequiredService<RequestMemoryBudget>();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var connections = new List<TcpClient>();
        long held;
        try
        {
            // 300 bodies that each declare 8 MiB and really send 64 KiB (19 MiB in all, more than the
            // budget), while 200 more requests declare shapes of billions of elements.
            var chunk = new byte[64 * 1024];
            chunk[0] = (byte)'{';
            for (var i = 0; i < 300; i++)
            {
                connections.Add(await RawHttp.StartRequestAsync(
                    host.HttpPort,
                    InferPath(ServerFixture.Mlp),
                    ["Content-Type: application/octet-stream", "Inference-Header-Content-Length: 10", "Content-Length: 8388608"],
                    chunk));
            }

            var shapes = Enumerable.Range(0, 200).Select(_ => http.PostJsonAsync(
                InferPath(ServerFixture.Mlp),
                """{"inputs":[{"name":"input","shape":[8388600,64],"datatype":"FP32","data":[0.5]}]}"""));
            Assert.All(await Task.WhenAll(shapes), r => Assert.Equal(HttpStatusCode.BadRequest, r.Status));
            Assert.Equal(HttpStatusCode.OK, (await http.PostJsonAsync(InferPath(ServerFixture.NoBatch), GoodNoBatch)).Status);

            held = GC.GetTotalMemory(forceFullCollection: true) - baseline;
            Assert.InRange(budget.Capacity - budget.Available, 1, Budget);
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }

        // The budget, plus what the transport keeps for 500 connections (buffers, contexts).
        Assert.InRange(held, long.MinValue, Budget + (48L * 1024 * 1024));
        await WaitUntilAsync(() => budget.Available == budget.Capacity);
    }

    private async Task<ModelDockHost> StartAsync(long budget)
    {
        var host = _server.StartHost(o => o.MaxInflightRequestBytes = budget);
        await host.StartAsync();
        return host;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }

    /// <summary>Hides the length so the body goes out chunked and only what arrives can be charged.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
