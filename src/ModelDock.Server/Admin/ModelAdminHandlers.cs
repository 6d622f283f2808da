using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Registry;
using ModelDock.Server.Hosting;

namespace ModelDock.Server.Admin;

/// <summary><c>/api/models</c>: registered versions and their aliases.</summary>
internal static class ModelAdminHandlers
{
    /// <summary>A metadata part is a few kilobytes; anything near this is not one.</summary>
    private const int MaxMetadataBytes = 1024 * 1024;

    public static async Task<IReadOnlyList<ModelSummary>> ListAsync(ModelRegistry registry, CancellationToken cancellationToken)
    {
        var models = new List<ModelSummary>();
        foreach (var model in await registry.Store.ListModelsAsync(cancellationToken))
        {
            var versions = await registry.Store.ListVersionsAsync(model, cancellationToken);
            models.Add(new ModelSummary(model, [.. versions.Select(v => v.Version)], await registry.Store.GetAliasesAsync(model, cancellationToken)));
        }

        return models;
    }

    public static async Task<IReadOnlyList<ModelVersionInfo>> VersionsAsync(string model, ModelRegistry registry, CancellationToken cancellationToken) =>
        await registry.Store.ListVersionsAsync(model, cancellationToken);

    /// <param name="version">A number or an alias.</param>
    public static Task<ModelVersionInfo> GetAsync(string model, string version, ModelRegistry registry, CancellationToken cancellationToken) =>
        registry.GetAsync(model, version, cancellationToken);

    /// <summary>
    /// Registers the next version from a multipart upload: a <c>model</c> file part (ONNX), an optional <c>config</c>
    /// file part and an optional <c>metadata</c> JSON part. Parts are streamed to temporary files, never held whole in
    /// memory, and the upload is limited to <see cref="ModelDockServerOptions.MaxModelUploadBytes"/>.
    /// </summary>
    public static async Task<Created<ModelVersionInfo>> RegisterAsync(
        string model, HttpContext context, ModelRegistry registry, IOptions<ModelDockServerOptions> options, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ModelRegistry.CheckName(model, "model");
        if (!context.Request.HasFormContentType)
        {
            throw ModelDockException.InvalidInput("send the version as multipart/form-data: a 'model' file part, and optionally 'config' (file) and 'metadata' (JSON) parts");
        }

        var limit = options.Value.MaxModelUploadBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        context.Features.Set<IFormFeature>(new FormFeature(context.Request, new FormOptions { MultipartBodyLengthLimit = limit, ValueLengthLimit = MaxMetadataBytes, ValueCountLimit = 16 }));
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException e)
        {
            throw ModelDockException.InvalidInput($"the upload is not a well-formed multipart form within the limits: {e.Message}");
        }
        catch (IOException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The multipart reader's word for a body that ends inside a part, before the closing boundary.
            throw ModelDockException.InvalidInput("the upload ended inside a part: the multipart form has no closing boundary");
        }

        var file = form.Files.GetFile("model") ?? throw ModelDockException.InvalidInput("model: the form has no 'model' file part");
        var metadata = ReadMetadata(form["metadata"].ToString());
        var folder = Directory.CreateTempSubdirectory("modeldock-upload-");
        try
        {
            var request = new RegistrationRequest(model, await SaveAsync(file, folder.FullName, "model.onnx", cancellationToken))
            {
                ConfigFile = form.Files.GetFile("config") is { } config ? await SaveAsync(config, folder.FullName, ConfigName(config.FileName), cancellationToken) : null,
                Description = metadata.Description ?? string.Empty,
                Tags = metadata.Tags ?? [],
                Metrics = metadata.Metrics ?? [],
                Lineage = metadata.Lineage ?? [],
                CreatedBy = Caller.Name(user),
            };
            var registered = await registry.RegisterAsync(request, cancellationToken);
            return TypedResults.Created($"/api/models/{model}/versions/{registered.Version.ToString(CultureInfo.InvariantCulture)}", registered);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Deletes a version unless an alias or a deployment uses it (409 naming the user).</summary>
    public static async Task<NoContent> DeleteAsync(string model, string version, EndpointManager endpoints, CancellationToken cancellationToken)
    {
        if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw ModelDockException.InvalidInput($"version: '{version}' is not a version number (aliases are not deleted through versions)");
        }

        await endpoints.DeleteVersionAsync(model, number, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<AliasesReply> AliasesAsync(string model, ModelRegistry registry, CancellationToken cancellationToken) =>
        new(await registry.Store.GetAliasesAsync(model, cancellationToken), await registry.Store.GetAliasHistoryAsync(model, cancellationToken));

    public static Task<AliasMove> SetAliasAsync(string model, string alias, AliasRequest request, ModelRegistry registry, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        registry.SetAliasAsync(model, alias, request?.Version ?? throw ModelDockException.InvalidInput("version: the body must be {\"version\": N}"), Caller.Name(user), cancellationToken);

    public static Task<AliasMove> RemoveAliasAsync(string model, string alias, ModelRegistry registry, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        registry.RemoveAliasAsync(model, alias, Caller.Name(user), cancellationToken);

    private static RegistrationMetadata ReadMetadata(string json)
    {
        if (json.Length == 0)
        {
            return new RegistrationMetadata();
        }

        try
        {
            return JsonSerializer.Deserialize<RegistrationMetadata>(json, JsonSerializerOptions.Web) ?? new RegistrationMetadata();
        }
        catch (JsonException e)
        {
            throw ModelDockException.InvalidInput($"metadata: not the expected JSON ({{\"description\", \"tags\", \"metrics\", \"lineage\"}}): {e.Message}");
        }
    }

    /// <summary>The registry reads a config as JSON or YAML by its extension; anything else is taken as JSON.</summary>
    private static string ConfigName(string uploaded) =>
        Path.GetExtension(uploaded).ToLowerInvariant() is ".yaml" or ".yml" ? "config.yaml" : "config.json";

    private static async Task<string> SaveAsync(IFormFile part, string folder, string name, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, name);
        await using var target = File.Create(path);
        await part.CopyToAsync(target, cancellationToken);
        return path;
    }
}
