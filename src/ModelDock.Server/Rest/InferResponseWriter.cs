using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Tensors;

namespace ModelDock.Server.Rest;

/// <summary>
/// Writes an OIP inference response straight into the response's PipeWriter: JSON data element by
/// element, or a JSON header followed by the binary tensor extension's blobs.
/// </summary>
internal static class InferResponseWriter
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static async Task WriteAsync(HttpResponse http, RestInferRequest request, InferenceResponse response, CancellationToken cancellationToken)
    {
        var outputs = response.Outputs;
        var binary = new bool[outputs.Count];
        var anyBinary = false;
        long binaryLength = 0;
        for (var i = 0; i < outputs.Count; i++)
        {
            binary[i] = IsBinary(request, outputs[i].Name);
            if (binary[i])
            {
                anyBinary = true;
                binaryLength += BinaryLength(outputs[i]);
            }
            else if (outputs[i].DataType == DataType.Bytes)
            {
                CheckUtf8(outputs[i]);
            }
        }

        http.StatusCode = StatusCodes.Status200OK;
        if (!anyBinary)
        {
            http.ContentType = "application/json";
            using (var writer = new Utf8JsonWriter(http.BodyWriter, WriterOptions))
            {
                WriteHeader(writer, response, binary);
            }

            await http.BodyWriter.FlushAsync(cancellationToken);
            return;
        }

        var header = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(header, WriterOptions))
        {
            WriteHeader(writer, response, binary);
        }

        http.ContentType = "application/octet-stream";
        http.Headers[HeaderLengthHeader] = header.WrittenCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.ContentLength = header.WrittenCount + binaryLength;
        var body = http.BodyWriter;
        body.Write(header.WrittenSpan);
        for (var i = 0; i < outputs.Count; i++)
        {
            if (binary[i])
            {
                WriteBinary(body, outputs[i]);
            }
        }

        await body.FlushAsync(cancellationToken);
    }

    private static bool IsBinary(RestInferRequest request, string output)
    {
        foreach (var requested in request.Request.Outputs)
        {
            if (requested.Name == output && requested.Binary is { } b)
            {
                return b;
            }
        }

        return request.BinaryOutputs;
    }

    private static long BinaryLength(Tensor tensor)
    {
        if (tensor.BytesElements is not { } elements)
        {
            return tensor.Data.Length;
        }

        long length = 0;
        foreach (var e in elements)
        {
            length += 4 + e.Length;
        }

        return length;
    }

    private static void CheckUtf8(Tensor tensor)
    {
        var elements = tensor.BytesElements!;
        for (var i = 0; i < elements.Count; i++)
        {
            if (!Utf8.IsValid(elements[i]))
            {
                throw ModelDockException.InvalidInput(
                    $"output '{tensor.Name}' element {i} is not UTF-8 text and cannot be written as JSON; request it with binary_data");
            }
        }
    }

    private static void WriteHeader(Utf8JsonWriter writer, InferenceResponse response, ReadOnlySpan<bool> binary)
    {
        writer.WriteStartObject();
        writer.WriteString("model_name"u8, response.ModelName);
        writer.WriteString("model_version"u8, response.ModelVersion);
        if (response.Id is not null)
        {
            writer.WriteString("id"u8, response.Id);
        }

        if (response.Parameters.Count > 0)
        {
            JsonParameters.Write(writer, "parameters"u8, response.Parameters);
        }

        writer.WriteStartArray("outputs"u8);
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var tensor = response.Outputs[i];
            writer.WriteStartObject();
            writer.WriteString("name"u8, tensor.Name);
            writer.WriteString("datatype"u8, tensor.DataType.ToWireName());
            writer.WriteStartArray("shape"u8);
            foreach (var d in tensor.Shape)
            {
                writer.WriteNumberValue(d);
            }

            writer.WriteEndArray();
            if (binary[i])
            {
                writer.WriteStartObject("parameters"u8);
                writer.WriteNumber("binary_data_size"u8, BinaryLength(tensor));
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteStartArray("data"u8);
                WriteData(writer, tensor);
                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteData(Utf8JsonWriter writer, Tensor tensor)
    {
        var data = tensor.Data.Span;
        switch (tensor.DataType)
        {
            case DataType.Bool:
                foreach (var b in data)
                {
                    writer.WriteBooleanValue(b != 0);
                }

                break;
            case DataType.UInt8:
                foreach (var b in data)
                {
                    writer.WriteNumberValue(b);
                }

                break;
            case DataType.Int8:
                foreach (var b in data)
                {
                    writer.WriteNumberValue((sbyte)b);
                }

                break;
            case DataType.Int16:
                foreach (var v in tensor.AsSpan<short>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case DataType.UInt16:
                foreach (var v in tensor.AsSpan<ushort>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case DataType.Int32:
                foreach (var v in tensor.AsSpan<int>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case DataType.UInt32:
                foreach (var v in tensor.AsSpan<uint>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case DataType.Int64:
                foreach (var v in tensor.AsSpan<long>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case DataType.UInt64:
                foreach (var v in tensor.AsSpan<ulong>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case DataType.Fp32:
                foreach (var v in tensor.AsSpan<float>())
                {
                    WriteFloat(writer, v);
                }

                break;
            case DataType.Fp64:
                foreach (var v in tensor.AsSpan<double>())
                {
                    WriteDouble(writer, v);
                }

                break;
            case DataType.Fp16:
                foreach (var v in tensor.AsSpan<Half>())
                {
                    WriteFloat(writer, (float)v);
                }

                break;
            case DataType.Bf16:
                for (var i = 0; i + 1 < data.Length; i += 2)
                {
                    WriteFloat(writer, BFloat16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(data[i..])));
                }

                break;
            case DataType.Bytes:
                foreach (var e in tensor.BytesElements!)
                {
                    writer.WriteStringValue(e);
                }

                break;
        }
    }

    private static void WriteFloat(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            WriteNonFinite(writer, value);
        }
    }

    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            WriteNonFinite(writer, value);
        }
    }

    /// <summary>JSON has no NaN or infinity; they are written as the strings the request parser accepts back.</summary>
    private static void WriteNonFinite(Utf8JsonWriter writer, double value) =>
        writer.WriteStringValue(double.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8);

    private static void WriteBinary(PipeWriter body, Tensor tensor)
    {
        if (tensor.BytesElements is not { } elements)
        {
            body.Write(tensor.Data.Span);
            return;
        }

        Span<byte> prefix = stackalloc byte[4];
        foreach (var e in elements)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)e.Length);
            body.Write(prefix);
            body.Write(e);
        }
    }
}
