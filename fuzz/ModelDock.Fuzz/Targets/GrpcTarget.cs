using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using ModelDock.Fuzz.Engine;
using ModelDock.Server.Grpc.Protocol;

namespace ModelDock.Fuzz.Targets;

/// <summary>
/// The gRPC service with mutated protobuf: <c>ModelInfer</c> requests changed field by field (shapes, datatypes,
/// names, raw contents, parameters) and byte by byte, several of them on one <c>ModelStreamInfer</c> stream, and the
/// other methods' requests. Each is framed by hand on HTTP/2, so bytes no client library would send reach the server.
/// An answer is a finding when its status says the server failed (UNKNOWN, INTERNAL, DATA_LOSS) or is missing.
/// </summary>
internal sealed class GrpcTarget(FuzzHost host, bool stream) : IFuzzTarget
{
    private const string Service = "/inference.GRPCInferenceService/";
    private static readonly HashSet<string> ServerFaults = ["2", "13", "15"];
    private static readonly string[] Datatypes = ["FP32", "FP16", "BF16", "INT8", "INT64", "UINT64", "BOOL", "BYTES", "fp32", "", "INT128"];

    public string Name => stream ? "grpc-stream" : "grpc";

    public double Share => stream ? 0.5 : 1;

    public int Parallelism => 16;

    public FuzzInput Generate(Random random)
    {
        if (stream)
        {
            var messages = Enumerable.Range(0, random.Next(1, 4)).Select(_ => MutatedInfer(random)).ToArray();
            return Input("ModelStreamInfer", RequestSeeds.Frame(messages));
        }

        if (random.Next(5) == 0)
        {
            var (method, message) = OtherMethod(random);
            var bytes = message.ToByteArray();
            return Input(method, RequestSeeds.Frame(random.Next(2) == 0 ? ByteMutator.Mutate(bytes, random) : bytes));
        }

        return Input("ModelInfer", RequestSeeds.Frame(MutatedInfer(random)));
    }

    public async Task<Outcome> RunAsync(FuzzInput input, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, input.Path)
        {
            Content = new ByteArrayContent(input.Body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        using var response = await host.Grpc.SendAsync(request, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if ((int)response.StatusCode != 200)
        {
            return Outcome.Fail($"http {(int)response.StatusCode}", $"HTTP status {(int)response.StatusCode} instead of a gRPC status");
        }

        var status = Header(response, "grpc-status");
        var message = Uri.UnescapeDataString(Header(response, "grpc-message") ?? string.Empty);
        if (status is null)
        {
            return Outcome.Fail("no status", "the call ended without grpc-status");
        }

        var label = "grpc " + status;
        if (ServerFaults.Contains(status) || (status == "14" && !HttpExchange.IsExplainedByModelState(input.Path, message)))
        {
            return Outcome.Fail(label, $"grpc-status {status}: {message}");
        }

        return new Outcome(label);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var trailers) ? trailers.First()
        : response.Headers.TryGetValues(name, out var headers) ? headers.First()
        : null;

    private FuzzInput Input(string method, byte[] body) => new(Name, "POST", Service + method, [], body);

    private byte[] MutatedInfer(Random random)
    {
        var model = host.Models[random.Next(host.Models.Count)];
        var request = RequestSeeds.Grpc(model, random);
        var rounds = random.Next(0, 4);
        for (var i = 0; i < rounds; i++)
        {
            MutateFields(request, random);
        }

        var bytes = request.ToByteArray();
        return random.Next(5) < 2 ? ByteMutator.Mutate(bytes, random) : bytes;
    }

    private static void MutateFields(ModelInferRequest request, Random random)
    {
        var tensor = request.Inputs.Count > 0 ? request.Inputs[random.Next(request.Inputs.Count)] : null;
        switch (random.Next(10))
        {
            case 0 when tensor is not null:
                var dims = tensor.Shape.Count;
                tensor.Shape.Clear();
                tensor.Shape.AddRange(Enumerable.Range(0, random.Next(0, Math.Max(dims + 2, 2)))
                    .Select(_ => new[] { -1L, 0, 1, 2, 8_388_608, 1L << 31, 1L << 40, long.MaxValue, long.MinValue }[random.Next(9)]));
                break;
            case 1 when tensor is not null:
                tensor.Datatype = Datatypes[random.Next(Datatypes.Length)];
                break;
            case 2 when tensor is not null:
                tensor.Name = new[] { "", "x", "input", "INPUT0", "INPUT1", tensor.Name + tensor.Name }[random.Next(6)];
                break;
            case 3 when request.RawInputContents.Count > 0:
                var at = random.Next(request.RawInputContents.Count);
                request.RawInputContents[at] = ByteString.CopyFrom(ByteMutator.Mutate(request.RawInputContents[at].ToByteArray(), random));
                break;
            case 4:
                request.RawInputContents.Add(ByteString.CopyFrom(new byte[random.Next(0, 4096)]));
                break;
            case 5 when tensor is not null:
                request.Inputs.Add(tensor.Clone());
                break;
            case 6 when tensor is not null:
                tensor.Contents ??= new InferTensorContents();
                tensor.Contents.Fp32Contents.AddRange(Enumerable.Repeat(1f, random.Next(1, 20_000)));
                break;
            case 7:
                request.Parameters[new[] { "binary_data_output", "sequence_id", "priority", "timeout", "x" }[random.Next(5)]] = random.Next(3) switch
                {
                    0 => new InferParameter { BoolParam = true },
                    1 => new InferParameter { Int64Param = random.Next(2) == 0 ? long.MaxValue : -1 },
                    _ => new InferParameter { StringParam = "\u00fc" },
                };
                break;
            case 8:
                request.ModelVersion = new[] { "1", "2", "0", "-1", "abc", "99999999999999999999" }[random.Next(6)];
                break;
            default:
                request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor
                {
                    Name = random.Next(2) == 0 ? "output" : "nope",
                    Parameters = { ["classification"] = new InferParameter { Int64Param = random.Next(-1, 5) } },
                });
                break;
        }
    }

    private (string Method, IMessage Message) OtherMethod(Random random)
    {
        var model = random.Next(4) == 0 ? FuzzHost.ControlledModel : host.Models[random.Next(host.Models.Count)].Name;
        var version = random.Next(3) == 0 ? random.Next(-1, 4).ToString(CultureInfo.InvariantCulture) : string.Empty;
        return random.Next(9) switch
        {
            0 => ("ServerLive", new ServerLiveRequest()),
            1 => ("ServerReady", new ServerReadyRequest()),
            2 => ("ModelReady", new ModelReadyRequest { Name = model, Version = version }),
            3 => ("ServerMetadata", new ServerMetadataRequest()),
            4 => ("ModelMetadata", new ModelMetadataRequest { Name = model, Version = version }),
            5 => ("ModelConfig", new ModelConfigRequest { Name = model, Version = version }),
            6 => ("ModelStatistics", new ModelStatisticsRequest { Name = model, Version = version }),
            7 => ("RepositoryIndex", new RepositoryIndexRequest { Ready = random.Next(2) == 0 }),
            _ => random.Next(2) == 0
                ? ("RepositoryModelLoad", new RepositoryModelLoadRequest { ModelName = FuzzHost.ControlledModel })
                : ("RepositoryModelUnload", new RepositoryModelUnloadRequest { ModelName = FuzzHost.ControlledModel }),
        };
    }
}
