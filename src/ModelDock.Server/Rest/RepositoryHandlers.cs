using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelDock.Errors;
using ModelDock.Server.Shared;
using ModelDock.Serving;

namespace ModelDock.Server.Rest;

/// <summary>Triton's model repository extension: index, load and unload.</summary>
internal sealed class RepositoryHandlers
{
    private const int MaxBodyBytes = 64 * 1024;

    private readonly IModelRepositoryControl _repository;

    public RepositoryHandlers(IModelRepositoryControl repository)
    {
        _repository = repository;
    }

    public async Task IndexAsync(HttpContext context)
    {
        var readyOnly = false;
        var body = await ReadSmallBodyAsync(context);
        if (body.Length > 0)
        {
            var reader = new Utf8JsonReader(body);
            ExpectObject(ref reader, "repository index request");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isReady = JsonText.Is(ref reader, "ready"u8);
                reader.Read();
                if (!isReady)
                {
                    reader.Skip();
                }
                else if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                {
                    readyOnly = reader.GetBoolean();
                }
                else
                {
                    throw ModelDockException.InvalidInput("'ready' must be a boolean");
                }
            }
        }

        var index = _repository.GetRepositoryIndex(readyOnly);
        await JsonResponses.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartArray();
            foreach (var e in index)
            {
                w.WriteStartObject();
                w.WriteString("name"u8, e.Name);
                if (e.Version is not null)
                {
                    w.WriteString("version"u8, e.Version);
                }

                w.WriteString("state"u8, e.State);
                w.WriteString("reason"u8, e.Reason);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    public async Task LoadAsync(HttpContext context)
    {
        var model = RouteValues.Model(context)!;
        RepositoryParameters.CheckLoad(model, await ReadParameterNamesAsync(context));
        await _repository.LoadModelAsync(model, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    public async Task UnloadAsync(HttpContext context)
    {
        var model = RouteValues.Model(context)!;
        RepositoryParameters.CheckUnload(model, await ReadParameterNamesAsync(context));
        await _repository.UnloadModelAsync(model, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static async Task<List<string>> ReadParameterNamesAsync(HttpContext context)
    {
        var names = new List<string>();
        var body = await ReadSmallBodyAsync(context);
        if (body.Length == 0)
        {
            return names;
        }

        var reader = new Utf8JsonReader(body);
        ExpectObject(ref reader, "repository request");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isParameters = JsonText.Is(ref reader, "parameters"u8);
            reader.Read();
            if (!isParameters)
            {
                reader.Skip();
                continue;
            }

            ExpectObject(ref reader, "'parameters'");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                names.Add(JsonText.Read(ref reader, "a key of 'parameters'"));
                reader.Read();
                reader.Skip();
            }
        }

        return names;
    }

    private static void ExpectObject(ref Utf8JsonReader reader, string what)
    {
        if (reader.TokenType == JsonTokenType.None)
        {
            reader.Read();
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw ModelDockException.InvalidInput(what + " must be a JSON object");
        }
    }

    private static async Task<byte[]> ReadSmallBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new ModelDockException(ErrorKind.PayloadTooLarge, $"repository requests are limited to {MaxBodyBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
