using Grpc.Core;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Server.Tests.Grpc;

/// <summary>Triton's bidirectional <c>ModelStreamInfer</c>.</summary>
[Collection(ServerCollection.Name)]
public sealed class GrpcStreamInferTests
{
    private readonly ServerFixture _server;

    public GrpcStreamInferTests(ServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task ModelStreamInfer_RequestsAndAFailure_AnswersEachAndKeepsTheStreamOpen()
    {
        var first = ReferenceMath.RandomInputs(_server.MlpModel.InputSize, seed: 31);
        var second = ReferenceMath.RandomInputs(_server.MlpModel.InputSize, seed: 32);
        var bad = GrpcInferTests.MlpRequest(first, rows: 1, id: "bad");
        bad.Inputs[0].Name = "not_an_input";

        var answers = await StreamAsync([GrpcInferTests.MlpRequest(first, rows: 1, id: "first"), bad, GrpcInferTests.MlpRequest(second, rows: 1, id: "second")]);

        Assert.Equal(3, answers.Count);
        var error = Assert.Single(answers, a => a.ErrorMessage.Length > 0);
        Assert.Contains("not_an_input", error.ErrorMessage, StringComparison.Ordinal);
        var results = answers.Where(a => a.ErrorMessage.Length == 0).ToDictionary(a => a.InferResponse.Id);
        AssertMlpOutput(first, results["first"].InferResponse);
        AssertMlpOutput(second, results["second"].InferResponse);
    }

    [Fact]
    public async Task ModelStreamInfer_ManyRequests_AnswersEveryOneOnce()
    {
        var requests = Enumerable.Range(0, 200)
            .Select(i => GrpcInferTests.MlpRequest(ReferenceMath.RandomInputs(_server.MlpModel.InputSize, seed: 100 + i), rows: 1, id: $"r{i}"))
            .ToList();

        var answers = await StreamAsync(requests);

        Assert.All(answers, a => Assert.Empty(a.ErrorMessage));
        Assert.Equal(requests.Select(r => r.Id).Order(), answers.Select(a => a.InferResponse.Id).Order());
        AssertMlpOutput(ReferenceMath.RandomInputs(_server.MlpModel.InputSize, seed: 107), answers.Single(a => a.InferResponse.Id == "r7").InferResponse);
    }

    [Fact]
    public async Task ModelStreamInfer_UnknownModel_AnswersWithAnErrorMessage()
    {
        var request = GrpcInferTests.MlpRequest(ReferenceMath.RandomInputs(_server.MlpModel.InputSize, seed: 5), rows: 1, id: "lost");
        request.ModelName = "nope";

        var answer = Assert.Single(await StreamAsync([request]));

        Assert.Contains("nope", answer.ErrorMessage, StringComparison.Ordinal);
        Assert.Null(answer.InferResponse);
    }

    private async Task<List<ModelStreamInferResponse>> StreamAsync(IReadOnlyList<ModelInferRequest> requests)
    {
        using var call = _server.Grpc.ModelStreamInfer();
        var reading = Task.Run(async () =>
        {
            var answers = new List<ModelStreamInferResponse>();
            await foreach (var answer in call.ResponseStream.ReadAllAsync())
            {
                answers.Add(answer);
            }

            return answers;
        });
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request);
        }

        await call.RequestStream.CompleteAsync();
        return await reading.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private void AssertMlpOutput(float[] row, ModelInferResponse response)
    {
        var mlp = _server.MlpModel;
        var expected = ReferenceMath.MlpForward(mlp.LayerSizes, mlp.Weights, mlp.Biases, row, rows: 1);
        var actual = response.Outputs[0].Contents.Fp32Contents.ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }
}
