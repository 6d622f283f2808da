using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelDock.Bench.Serving.Load;
using ModelDock.Server.Grpc.Protocol;

namespace ModelDock.Bench.Serving;

/// <summary>
/// An <c>inference.GRPCInferenceService/ModelInfer</c> endpoint with tensors in <c>raw_input_contents</c>,
/// checked once and then described for h2load as one pre-encoded gRPC message.
/// </summary>
internal static class GrpcEndpoint
{
    private const string MethodPath = "inference.GRPCInferenceService/ModelInfer";

    /// <summary>A gRPC message on the wire: a compressed flag byte and a 4-byte big-endian length.</summary>
    private const int FramePrefixLength = 5;

    /// <summary>
    /// Sends the exact pre-encoded frame the load generator will send, over plain HTTP/2, and checks the
    /// answer's status trailer and outputs: a load generator sees only the HTTP status, and a gRPC error
    /// is HTTP 200 too.
    /// </summary>
    public static async Task<HttpLoad> PrepareAsync(string name, BenchModel model, Uri address, string modelName)
    {
        var url = new Uri(address, MethodPath);
        var frame = Frame(CreateRequest(model, modelName));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var content = new ByteArrayContent(frame);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var values) ? values.First() : "missing";
        if (status != "0" || body.Length < FramePrefixLength)
        {
            throw new InvalidOperationException($"{name}: the pre-encoded request got grpc-status {status} and {body.Length} body bytes.");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1));
        var answer = ModelInferResponse.Parser.ParseFrom(body, FramePrefixLength, length);
        if (answer.RawOutputContents.Count != 1)
        {
            throw new InvalidOperationException($"{name}: {answer.RawOutputContents.Count} raw outputs, expected 1.");
        }

        model.Check(MemoryMarshal.Cast<byte, float>(answer.RawOutputContents[0].Span), name);
        return new HttpLoad(url, Http2: true, ["content-type: application/grpc", "te: trailers"], frame, body.Length, 1);
    }

    private static byte[] Frame(ModelInferRequest request)
    {
        var message = request.ToByteArray();
        var frame = new byte[FramePrefixLength + message.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), message.Length);
        message.CopyTo(frame, FramePrefixLength);
        return frame;
    }

    private static ModelInferRequest CreateRequest(BenchModel model, string modelName)
    {
        var input = new ModelInferRequest.Types.InferInputTensor { Name = model.InputName, Datatype = "FP32" };
        input.Shape.Add([1, model.InputWidth]);
        var request = new ModelInferRequest { ModelName = modelName };
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(model.Row.AsSpan())));
        return request;
    }
}
