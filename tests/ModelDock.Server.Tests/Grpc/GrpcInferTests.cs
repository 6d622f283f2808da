using System.Text;
using Google.Protobuf;
using Grpc.Core;
using ModelDock.Onnx;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Tensors;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Server.Tests.Grpc;

[Collection(ServerCollection.Name)]
public sealed class GrpcInferTests
{
    private readonly ServerFixture _server;

    public GrpcInferTests(ServerFixture server)
    {
        _server = server;
    }

    [Theory]
    [MemberData(nameof(DatatypeCases.Typed), MemberType = typeof(DatatypeCases))]
    public async Task ModelInfer_TypedContentsOfEveryDatatype_AnswersTyped(DataType type)
    {
        var request = IdentityRequest(type);
        request.Inputs[0].Contents = TypedContents(type);

        var response = await _server.Grpc.ModelInferAsync(request);

        Assert.Empty(response.RawOutputContents);
        var output = Assert.Single(response.Outputs);
        Assert.Equal(type.ToWireName(), output.Datatype);
        Assert.Equal([2L, 2L], output.Shape);
        Assert.Equal(TypedContents(type), output.Contents);
    }

    [Theory]
    [MemberData(nameof(DatatypeCases.All), MemberType = typeof(DatatypeCases))]
    public async Task ModelInfer_RawContentsOfEveryDatatype_AnswersRaw(DataType type)
    {
        var request = IdentityRequest(type);
        request.RawInputContents.Add(ByteString.CopyFrom(DatatypeCases.Bytes(type)));

        var response = await _server.Grpc.ModelInferAsync(request);

        Assert.Null(Assert.Single(response.Outputs).Contents);
        Assert.Equal(DatatypeCases.Bytes(type), Assert.Single(response.RawOutputContents).ToByteArray());
    }

    [Fact]
    public async Task ModelInfer_Mlp_MatchesReferenceMathAndEchoesId()
    {
        var mlp = _server.MlpModel;
        var input = ReferenceMath.RandomInputs(3 * mlp.InputSize, seed: 21);
        var expected = ReferenceMath.MlpForward(mlp.LayerSizes, mlp.Weights, mlp.Biases, input, rows: 3);
        var request = MlpRequest(input, rows: 3, id: "grpc-1");

        var response = await _server.Grpc.ModelInferAsync(request);

        Assert.Equal("grpc-1", response.Id);
        Assert.Equal(ServerFixture.Mlp, response.ModelName);
        Assert.Equal("1", response.ModelVersion);
        var actual = response.Outputs[0].Contents.Fp32Contents.ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public async Task ModelInfer_ClassificationParameter_AnswersTopClassesAsBytes()
    {
        var mlp = _server.MlpModel;
        var input = ReferenceMath.RandomInputs(2 * mlp.InputSize, seed: 22);
        var expected = ReferenceMath.MlpForward(mlp.LayerSizes, mlp.Weights, mlp.Biases, input, rows: 2);
        var request = MlpRequest(input, rows: 2);
        var output = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = DemoModels.MlpOutput };
        output.Parameters.Add("classification", new InferParameter { Int64Param = 2 });
        request.Outputs.Add(output);

        var response = await _server.Grpc.ModelInferAsync(request);

        var answer = Assert.Single(response.Outputs);
        Assert.Equal("BYTES", answer.Datatype);
        Assert.Equal([2L, 2L], answer.Shape);
        var classes = answer.Contents.BytesContents.Select(b => b.ToStringUtf8()).ToArray();
        Rest.RestInferTests.AssertTopClasses(expected, mlp.OutputSize, 2, classes);
    }

    [Fact]
    public async Task ModelInfer_ClassificationAsString_IsInvalidArgument()
    {
        var request = MlpRequest(new float[_server.MlpModel.InputSize], rows: 1);
        var output = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = DemoModels.MlpOutput };
        output.Parameters.Add("classification", new InferParameter { StringParam = "3" });
        request.Outputs.Add(output);

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Grpc.ModelInferAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("classification", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>A request for the MLP model with <paramref name="rows"/> rows of typed FP32 contents.</summary>
    internal static ModelInferRequest MlpRequest(float[] input, int rows, string id = "")
    {
        var request = new ModelInferRequest { ModelName = ServerFixture.Mlp, Id = id };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = DemoModels.MlpInput, Datatype = "FP32", Shape = { rows, input.Length / rows } };
        tensor.Contents = new InferTensorContents();
        tensor.Contents.Fp32Contents.AddRange(input);
        request.Inputs.Add(tensor);
        return request;
    }

    [Fact]
    public async Task ModelInfer_VersionField_ReachesThatVersion()
    {
        var x = ReferenceMath.RandomInputs(12, seed: 4);
        var request = new ModelInferRequest { ModelName = ServerFixture.Versioned, ModelVersion = "1" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = DemoModels.NoBatchInput,
            Datatype = "FP32",
            Shape = { 3, 4 },
            Contents = new InferTensorContents { Fp32Contents = { x } },
        });

        var response = await _server.Grpc.ModelInferAsync(request);

        Assert.Equal("1", response.ModelVersion);
        Assert.Equal(ReferenceMath.DoublePlusOne(x), response.Outputs[0].Contents.Fp32Contents.ToArray());
    }

    [Fact]
    public async Task ModelInfer_Fp16InTypedContents_IsInvalidArgumentNamingRawContents()
    {
        var typed = IdentityRequest(DataType.Fp16);
        typed.Inputs[0].Contents = new InferTensorContents { Fp32Contents = { 1, 2, 3, 4 } };

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Grpc.ModelInferAsync(typed).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("raw_input_contents", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong_datatype", "has datatype INT32 but the model expects FP32")]
    [InlineData("count", "fp32_contents has 2 values but shape [3,4] needs 12")]
    [InlineData("shape", "input 'x' has shape [4,3]")]
    [InlineData("unknown_input", "input 'q' is not an input")]
    [InlineData("missing_input", "input 'x' of model 'no_batch' is missing")]
    [InlineData("unknown_output", "requested output 'z' is not an output")]
    [InlineData("raw_count", "raw_input_contents has 2 entries but there are 1 inputs")]
    [InlineData("raw_size", "raw contents have 4 bytes but shape [3,4] of FP32 needs 48")]
    [InlineData("raw_and_typed", "sets contents although the request uses raw_input_contents")]
    [InlineData("bad_datatype", "unknown datatype 'FLOAT'")]
    public async Task ModelInfer_ClientMistake_IsInvalidArgumentNamingTheProblemThenServes(string mistake, string fragment)
    {
        var request = NoBatchRequest();
        var input = request.Inputs[0];
        switch (mistake)
        {
            case "wrong_datatype":
                input.Datatype = "INT32";
                input.Contents = new InferTensorContents { IntContents = { Enumerable.Range(0, 12) } };
                break;
            case "count":
                input.Contents = new InferTensorContents { Fp32Contents = { 1, 2 } };
                break;
            case "shape":
                input.Shape.Clear();
                input.Shape.AddRange([4, 3]);
                break;
            case "unknown_input":
                input.Name = "q";
                break;
            case "missing_input":
                request.Inputs.Clear();
                break;
            case "unknown_output":
                request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "z" });
                break;
            case "raw_count":
                input.Contents = null;
                request.RawInputContents.Add(ByteString.CopyFrom(new byte[48]));
                request.RawInputContents.Add(ByteString.CopyFrom(new byte[48]));
                break;
            case "raw_size":
                input.Contents = null;
                request.RawInputContents.Add(ByteString.CopyFrom(new byte[4]));
                break;
            case "raw_and_typed":
                request.RawInputContents.Add(ByteString.CopyFrom(new byte[48]));
                break;
            case "bad_datatype":
                input.Datatype = "FLOAT";
                break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Grpc.ModelInferAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(fragment, error.Status.Detail, StringComparison.Ordinal);
        Assert.Single((await _server.Grpc.ModelInferAsync(NoBatchRequest())).Outputs);
    }

    [Fact]
    public async Task ModelInfer_UnknownModelOrVersion_IsNotFound()
    {
        var unknownModel = NoBatchRequest();
        unknownModel.ModelName = "nope";
        var unknownVersion = NoBatchRequest();
        unknownVersion.ModelVersion = "7";

        var model = await Assert.ThrowsAsync<RpcException>(() => _server.Grpc.ModelInferAsync(unknownModel).ResponseAsync);
        var version = await Assert.ThrowsAsync<RpcException>(() => _server.Grpc.ModelInferAsync(unknownVersion).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, model.StatusCode);
        Assert.Equal(StatusCode.NotFound, version.StatusCode);
    }

    [Fact]
    public async Task ModelInfer_TimeoutParameterOnHeldRequest_IsDeadlineExceededThenServes()
    {
        var request = SlowRequest();
        request.Parameters["timeout"] = new InferParameter { Int64Param = 100_000 };
        _server.SlowGate.Reset();
        RpcException error;
        try
        {
            error = await Assert.ThrowsAsync<RpcException>(() => _server.Grpc.ModelInferAsync(request).ResponseAsync);
        }
        finally
        {
            _server.SlowGate.Set();
        }

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Single((await _server.Grpc.ModelInferAsync(SlowRequest())).Outputs);
    }

    [Fact]
    public async Task ModelInfer_CallDeadlinePassesWhileHeld_IsDeadlineExceededThenServes()
    {
        _server.SlowGate.Reset();
        RpcException error;
        try
        {
            error = await Assert.ThrowsAsync<RpcException>(() =>
                _server.Grpc.ModelInferAsync(SlowRequest(), deadline: DateTime.UtcNow.AddMilliseconds(200)).ResponseAsync);
        }
        finally
        {
            _server.SlowGate.Set();
        }

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Single((await _server.Grpc.ModelInferAsync(SlowRequest())).Outputs);
    }

    [Fact]
    public async Task ModelInfer_QueueFull_IsResourceExhaustedThenServes()
    {
        var pending = new List<Task<ModelInferResponse>>();
        RpcException? refused = null;
        _server.SlowGate.Reset();
        try
        {
            for (var i = 0; i < 6 && refused is null; i++)
            {
                var call = _server.Grpc.ModelInferAsync(SlowRequest()).ResponseAsync;
                // A refused call fails at once; an admitted one waits behind the closed gate.
                if (await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(1))) == call)
                {
                    refused = await Assert.ThrowsAsync<RpcException>(() => call);
                }
                else
                {
                    pending.Add(call);
                }
            }
        }
        finally
        {
            _server.SlowGate.Set();
        }

        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.All(await Task.WhenAll(pending), r => Assert.Single(r.Outputs));
        Assert.Single((await _server.Grpc.ModelInferAsync(SlowRequest())).Outputs);
    }

    [Fact]
    public async Task ModelInfer_MessageOverLimit_IsResourceExhausted()
    {
        await using var host = _server.StartHost(o => o.GrpcMaxMessageBytes = 1024);
        await host.StartAsync();
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(host.GrpcAddress);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var request = NoBatchRequest();
        request.Id = new string('x', 2048);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Single((await client.ModelInferAsync(NoBatchRequest())).Outputs);
    }

    internal static ModelInferRequest NoBatchRequest()
    {
        var request = new ModelInferRequest { ModelName = ServerFixture.NoBatch };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = DemoModels.NoBatchInput,
            Datatype = "FP32",
            Shape = { 3, 4 },
            Contents = new InferTensorContents { Fp32Contents = { Enumerable.Range(0, 12).Select(i => (float)i) } },
        });
        return request;
    }

    private static ModelInferRequest SlowRequest()
    {
        var request = new ModelInferRequest { ModelName = ServerFixture.Slow };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "input",
            Datatype = "FP32",
            Shape = { 1, 2 },
            Contents = new InferTensorContents { Fp32Contents = { 1, 2 } },
        });
        return request;
    }

    private static ModelInferRequest IdentityRequest(DataType type)
    {
        var request = new ModelInferRequest { ModelName = ServerFixture.IdentityName(type) };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = DemoModels.IdentityInput, Datatype = type.ToWireName(), Shape = { 2, 2 } });
        return request;
    }

    /// <summary>The datatype's values in the typed field the protocol assigns to it.</summary>
    private static InferTensorContents TypedContents(DataType type)
    {
        var values = DatatypeCases.Values(type);
        var contents = new InferTensorContents();
        switch (type)
        {
            case DataType.Bool:
                contents.BoolContents.AddRange(values.Cast<bool>());
                break;
            case DataType.Int8 or DataType.Int16 or DataType.Int32:
                contents.IntContents.AddRange(values.Select(v => (int)(long)v));
                break;
            case DataType.UInt8 or DataType.UInt16 or DataType.UInt32:
                contents.UintContents.AddRange(values.Select(v => (uint)(long)v));
                break;
            case DataType.Int64:
                contents.Int64Contents.AddRange(values.Cast<long>());
                break;
            case DataType.UInt64:
                contents.Uint64Contents.AddRange(values.Cast<ulong>());
                break;
            case DataType.Fp32:
                contents.Fp32Contents.AddRange(values.Select(v => (float)(double)v));
                break;
            case DataType.Fp64:
                contents.Fp64Contents.AddRange(values.Cast<double>());
                break;
            case DataType.Bytes:
                contents.BytesContents.AddRange(values.Select(v => ByteString.CopyFrom(Encoding.UTF8.GetBytes((string)v))));
                break;
        }

        return contents;
    }
}
