using System.Globalization;
using System.IO.Compression;
using System.Text;
using ModelDock.Endpoints;
using ModelDock.Fuzz.Engine;

namespace ModelDock.Fuzz.Targets;

/// <summary>
/// <c>POST /v2/models/{model}/infer</c> with mutated bodies: JSON (structure-aware mutations, then byte mutations),
/// the binary tensor extension (a mutated JSON header, mutated tensor bytes and a header length that may lie),
/// or compressed (gzip, deflate, br; corrupted streams, wrong or unknown encodings, and decompression bombs).
/// </summary>
internal sealed class RestInferTarget(FuzzHost host, RestInferTarget.Body body) : IFuzzTarget
{
    public enum Body
    {
        Json,
        Binary,
        Compressed,
    }

    private const string HeaderLength = "Inference-Header-Content-Length";
    private static readonly string[] Encodings = ["gzip", "deflate", "br"];
    private static readonly string[] OtherEncodings = ["identity", "gzip, br", "x-zip", "", "GZIP", "compress", "br;q=1", "gzip,gzip"];

    /// <summary>64 MiB of JSON whitespace per encoding, a few dozen KiB compressed: decoding must stop at the body limit.</summary>
    private static readonly Lazy<Dictionary<string, byte[]>> Bombs = new(() =>
    {
        var plain = Encoding.UTF8.GetBytes("{\"inputs\": [" + new string(' ', 64 << 20) + "]}");
        return Encodings.ToDictionary(e => e, e => Compress(plain, e));
    });

    public string Name => body switch
    {
        Body.Json => "rest-json",
        Body.Binary => "rest-binary",
        _ => "rest-compressed",
    };

    public double Share => 1;

    public int Parallelism => 16;

    public FuzzInput Generate(Random random)
    {
        var model = host.Models[random.Next(host.Models.Count)];
        var path = random.Next(8) switch
        {
            0 => $"/v2/models/{model.Name}/versions/{new[] { "1", "2", "0", "-1", "abc", "99999999999" }[random.Next(6)]}/infer",
            _ => $"/v2/models/{model.Name}/infer",
        };
        return body switch
        {
            Body.Json => Json(model, path, random),
            Body.Binary => Binary(model, path, random),
            _ => Compressed(model, path, random),
        };
    }

    public Task<Outcome> RunAsync(FuzzInput input, CancellationToken cancellationToken) =>
        HttpExchange.SendAsync(host.Rest, input, cancellationToken);

    private FuzzInput Json(ModelSeed model, string path, Random random)
    {
        var bytes = MutatedJson(model, random, binary: false);
        List<KeyValuePair<string, string>> headers = [new("Content-Type", random.Next(10) == 0 ? "text/plain" : "application/json")];
        if (random.Next(4) == 0)
        {
            headers.Add(new(EndpointRouter.DeploymentHeader, new[] { "blue", "green", "purple", string.Empty, "blue,green", new string('x', 4000) }[random.Next(6)]));
        }

        return new FuzzInput(Name, "POST", path, headers, bytes);
    }

    private static byte[] MutatedJson(ModelSeed model, Random random, bool binary)
    {
        var json = RequestSeeds.Json(model, random, binary).ToJsonString();
        if (random.Next(5) != 0)
        {
            json = JsonMutator.Mutate(json, random);
        }

        var bytes = Encoding.UTF8.GetBytes(json);
        return random.Next(3) == 0 ? ByteMutator.Mutate(bytes, random) : bytes;
    }

    private FuzzInput Binary(ModelSeed model, string path, Random random)
    {
        var header = MutatedJson(model, random, binary: true);
        var tensors = model.Inputs.SelectMany(RequestSeeds.Raw).ToArray();
        if (random.Next(3) == 0)
        {
            tensors = ByteMutator.Mutate(tensors, random);
        }

        var declared = random.Next(4) != 0
            ? header.Length.ToString(CultureInfo.InvariantCulture)
            : new[] { "-1", "0", "1", "abc", "1e3", " 12", "2147483648", "99999999999999999999", (header.Length + tensors.Length + 1).ToString(CultureInfo.InvariantCulture), (header.Length - 1).ToString(CultureInfo.InvariantCulture) }[random.Next(10)];
        return new FuzzInput(Name, "POST", path, [new("Content-Type", "application/octet-stream"), new(HeaderLength, declared)], [.. header, .. tensors]);
    }

    private FuzzInput Compressed(ModelSeed model, string path, Random random)
    {
        var encoding = Encodings[random.Next(Encodings.Length)];
        var compressed = random.Next(50) == 0 ? Bombs.Value[encoding] : Compress(MutatedJson(model, random, binary: false), encoding);
        if (random.Next(3) == 0)
        {
            compressed = ByteMutator.Mutate(compressed, random);
        }

        var declared = random.Next(5) == 0 ? OtherEncodings[random.Next(OtherEncodings.Length)] : encoding;
        return new FuzzInput(Name, "POST", path, [new("Content-Type", "application/json"), new("Content-Encoding", declared)], compressed);
    }

    private static byte[] Compress(byte[] plain, string encoding)
    {
        using var output = new MemoryStream();
        using (Stream compressor = encoding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true),
            _ => new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true),
        })
        {
            compressor.Write(plain);
        }

        return output.ToArray();
    }
}
