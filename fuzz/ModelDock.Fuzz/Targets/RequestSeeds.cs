using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Google.Protobuf;
using ModelDock.Server.Grpc.Protocol;

namespace ModelDock.Fuzz.Targets;

/// <summary>Valid inference requests for a served model, in each wire form: the seeds request mutations start from.</summary>
internal static class RequestSeeds
{
    public static JsonObject Json(ModelSeed model, Random random, bool binary)
    {
        var inputs = new JsonArray();
        foreach (var input in model.Inputs)
        {
            var tensor = new JsonObject
            {
                ["name"] = input.Name,
                ["shape"] = new JsonArray([.. input.Shape.Select(d => (JsonNode?)JsonValue.Create(d))]),
                ["datatype"] = input.Datatype,
            };
            if (binary)
            {
                tensor["parameters"] = new JsonObject { ["binary_data_size"] = Raw(input).Length };
            }
            else
            {
                tensor["data"] = new JsonArray([.. Enumerable.Range(0, (int)input.ElementCount).Select(_ => Element(input.Datatype, random))]);
            }

            inputs.Add(tensor);
        }

        var request = new JsonObject { ["inputs"] = inputs };
        if (random.Next(3) == 0)
        {
            request["id"] = "request-" + random.Next(1000);
        }

        if (random.Next(3) == 0)
        {
            request["parameters"] = new JsonObject { ["binary_data_output"] = random.Next(2) == 0 };
        }

        if (random.Next(3) == 0)
        {
            request["outputs"] = new JsonArray(new JsonObject { ["name"] = "output", ["parameters"] = new JsonObject { ["classification"] = random.Next(1, 4) } });
        }

        return request;
    }

    /// <summary>The input's elements in the binary tensor extension's layout (little-endian; BYTES as length-prefixed strings).</summary>
    public static byte[] Raw(TensorSeed input)
    {
        if (input.Datatype == "BYTES")
        {
            var element = new byte[] { 3, 0, 0, 0, (byte)'a', (byte)'b', (byte)'c' };
            return [.. Enumerable.Range(0, (int)input.ElementCount).SelectMany(_ => element)];
        }

        var size = ElementSize(input.Datatype);
        var bytes = new byte[input.ElementCount * size];
        for (var i = 0; i < input.ElementCount; i++)
        {
            bytes[i * size] = 1;
        }

        return bytes;
    }

    public static ModelInferRequest Grpc(ModelSeed model, Random random)
    {
        var request = new ModelInferRequest { ModelName = model.Name, Id = random.Next(2) == 0 ? "r" + random.Next(100) : string.Empty };

        // The protocol takes either typed contents for every input or raw contents for every input; FP16 and BF16 have only raw.
        var raw = random.Next(2) == 0 || model.Inputs.Any(i => i.Datatype is "FP16" or "BF16");
        foreach (var input in model.Inputs)
        {
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input.Name, Datatype = input.Datatype };
            tensor.Shape.AddRange(input.Shape);
            if (raw)
            {
                request.RawInputContents.Add(ByteString.CopyFrom(Raw(input)));
            }
            else
            {
                tensor.Contents = Contents(input);
            }

            request.Inputs.Add(tensor);
        }

        return request;
    }

    private static InferTensorContents Contents(TensorSeed input)
    {
        var n = (int)input.ElementCount;
        var contents = new InferTensorContents();
        switch (input.Datatype)
        {
            case "BOOL": contents.BoolContents.AddRange(Enumerable.Repeat(true, n)); break;
            case "INT8" or "INT16" or "INT32": contents.IntContents.AddRange(Enumerable.Repeat(1, n)); break;
            case "INT64": contents.Int64Contents.AddRange(Enumerable.Repeat(1L, n)); break;
            case "UINT8" or "UINT16" or "UINT32": contents.UintContents.AddRange(Enumerable.Repeat(1u, n)); break;
            case "UINT64": contents.Uint64Contents.AddRange(Enumerable.Repeat(1ul, n)); break;
            case "FP64": contents.Fp64Contents.AddRange(Enumerable.Repeat(0.5, n)); break;
            case "BYTES": contents.BytesContents.AddRange(Enumerable.Repeat(ByteString.CopyFromUtf8("abc"), n)); break;
            default: contents.Fp32Contents.AddRange(Enumerable.Repeat(0.5f, n)); break;
        }

        return contents;
    }

    private static JsonNode? Element(string datatype, Random random) => datatype switch
    {
        "BOOL" => JsonValue.Create(random.Next(2) == 0),
        "BYTES" => JsonValue.Create("abc"),
        "FP16" or "BF16" or "FP32" or "FP64" => JsonValue.Create(random.NextDouble()),
        _ => JsonValue.Create(random.Next(0, 100)),
    };

    private static int ElementSize(string datatype) => datatype switch
    {
        "BOOL" or "INT8" or "UINT8" => 1,
        "INT16" or "UINT16" or "FP16" or "BF16" => 2,
        "INT64" or "UINT64" or "FP64" => 8,
        _ => 4,
    };

    /// <summary>A length-prefixed gRPC frame per message, uncompressed.</summary>
    public static byte[] Frame(params byte[][] messages)
    {
        var frames = new List<byte>();
        foreach (var message in messages)
        {
            var header = new byte[5];
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)message.Length);
            frames.AddRange(header);
            frames.AddRange(message);
        }

        return [.. frames];
    }
}
