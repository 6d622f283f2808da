using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using ModelDock.Onnx;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using Xunit;

namespace ModelDock.Server.Tests.Docs;

/// <summary>Every inference request the README shows, inline or from a file, is valid and answered by the demo models.</summary>
public sealed partial class ReadmeRequestTests : IDisposable
{
    private readonly string _repository = Path.Combine(Path.GetTempPath(), "modeldock-readme-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Readme_EveryCurlInferRequest_IsAnsweredByTheDemoModels()
    {
        var root = RepositoryRoot();
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"));
        var requests = CurlInfer().Matches(readme).ToList();
        Assert.True(requests.Count >= 2, "the README shows an inline request and one from a file");

        DemoModelRepository.Write(_repository);
        await using var host = ModelDockHost.Create(
            ServerFixture.AnyFreePorts,
            b => b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = _repository));
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress };

        foreach (var request in requests)
        {
            var json = request.Groups["file"].Success
                ? await File.ReadAllTextAsync(Path.Combine(root, request.Groups["file"].Value))
                : request.Groups["json"].Value;

            var result = await http.PostJsonAsync(request.Groups["path"].Value, json);

            Assert.True(result.Status == HttpStatusCode.OK, $"{request.Value}: {(int)result.Status}");
            Assert.NotEmpty(result.Json.GetProperty("outputs").EnumerateArray());
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_repository))
        {
            Directory.Delete(_repository, recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelDock.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ModelDock.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("""curl -X POST localhost:8000(?<path>/v2/models/\S+/infer)[^\n]*? -d (?:@(?<file>\S+)|'(?<json>[^']*)')""")]
    private static partial Regex CurlInfer();
}
