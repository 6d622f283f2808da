using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ModelDock.Bench.Serving;

/// <summary>The Open Inference Protocol bodies every REST target receives and answers, built once per model.</summary>
internal static class OipPayloads
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    /// <summary>A JSON request of the model's row repeated <paramref name="rows"/> times: <c>{"inputs":[{"name":..,"shape":[R,W],"datatype":"FP32","data":[..]}]}</c>.</summary>
    public static byte[] JsonRequest(BenchModel model, int rows = 1)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("inputs");
            WriteTensorHeader(writer, model.InputName, rows, model.InputWidth);
            writer.WriteStartArray("data");
            for (var r = 0; r < rows; r++)
            {
                foreach (var v in model.Row)
                {
                    writer.WriteNumberValue(v);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A JSON response of the same shape and size a server sends for one row, for the transport limit.</summary>
    public static byte[] JsonResponse(BenchModel model)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model_name", model.Name);
            writer.WriteString("model_version", "1");
            writer.WriteStartArray("outputs");
            WriteTensorHeader(writer, model.OutputName, 1, model.OutputWidth);
            writer.WriteStartArray("data");
            foreach (var v in model.ExpectedOutput)
            {
                writer.WriteNumberValue(v);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A one-row request in the binary tensor extension, asking for the output in binary too.</summary>
    /// <returns>The body and the length of its JSON header.</returns>
    public static (byte[] Body, int HeaderLength) BinaryRequest(BenchModel model)
    {
        var raw = MemoryMarshal.AsBytes(model.Row.AsSpan());
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("inputs");
            WriteTensorHeader(writer, model.InputName, 1, model.InputWidth);
            writer.WriteStartObject("parameters");
            writer.WriteNumber("binary_data_size", raw.Length);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteStartArray("outputs");
            writer.WriteStartObject();
            writer.WriteString("name", model.OutputName);
            writer.WriteStartObject("parameters");
            writer.WriteBoolean("binary_data", true);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var headerLength = buffer.WrittenCount;
        buffer.Write(raw);
        return (buffer.WrittenSpan.ToArray(), headerLength);
    }

    /// <summary>The FP32 values of the first output of a JSON response.</summary>
    public static float[] ReadJsonOutput(ReadOnlySpan<byte> body)
    {
        using var document = JsonDocument.Parse(body.ToArray());
        var output = document.RootElement.GetProperty("outputs")[0];
        return [.. output.GetProperty("data").EnumerateArray().Select(e => e.GetSingle())];
    }

    /// <summary>The FP32 values of the first output of a binary-extension response (JSON header, then raw bytes).</summary>
    public static float[] ReadBinaryOutput(ReadOnlySpan<byte> body, int headerLength)
    {
        using var document = JsonDocument.Parse(body[..headerLength].ToArray());
        var output = document.RootElement.GetProperty("outputs")[0];
        var size = output.GetProperty("parameters").GetProperty("binary_data_size").GetInt32();
        return MemoryMarshal.Cast<byte, float>(body.Slice(headerLength, size)).ToArray();
    }

    public static int ParseHeaderLength(string value) => int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);

    public static string Describe(ReadOnlySpan<byte> body) => Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]);

    private static void WriteTensorHeader(Utf8JsonWriter writer, string name, int rows, int width)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteStartArray("shape");
        writer.WriteNumberValue(rows);
        writer.WriteNumberValue(width);
        writer.WriteEndArray();
        writer.WriteString("datatype", "FP32");
    }
}
