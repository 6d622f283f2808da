using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Errors;
using ModelDock.Features.Online;
using ModelDock.Server.Features;
using ModelDock.Server.Hosting;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Features;

public sealed class FeaturePushOptionsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Create_EveryPushSettingWrong_FailsBeforeListeningNamingEveryKey()
    {
        var error = Assert.Throws<ModelDockException>(() => Create(new()
        {
            ["ModelDock:Features:Push:MaxEventTimeSkew"] = "-00:01:00",
            ["ModelDock:Features:Push:OfflineRollInterval"] = "00:00:00",
            ["ModelDock:Features:Push:OfflineRollBytes"] = "0",
        }));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("ModelDock:Features:Push:MaxEventTimeSkew -00:01:00 must not be negative", error.Message, StringComparison.Ordinal);
        Assert.Contains("ModelDock:Features:Push:OfflineRollInterval 00:00:00 must be positive", error.Message, StringComparison.Ordinal);
        Assert.Contains("ModelDock:Features:Push:OfflineRollBytes 0 must be positive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ValidPushSettings_Builds()
    {
        await using var host = Create(new()
        {
            ["ModelDock:Features:Push:MaxEventTimeSkew"] = "00:00:00",
            ["ModelDock:Features:Push:OfflineRollInterval"] = "00:00:01",
            ["ModelDock:Features:Push:OfflineRollBytes"] = "1024",
        });

        Assert.NotNull(host.App.Services.GetRequiredService<ModelDock.Features.Push.FeaturePushService>());
    }

    private ModelDockHost Create(Dictionary<string, string?> settings) =>
        ModelDockHost.Create(
            options => (options.HttpPort, options.GrpcPort) = (0, 0),
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Services.AddModelDock().AddModelRepository(repository => repository.RepositoryPath = _folder.Path);
                builder.Services.AddFeatureServing(DriverFeatureRepository.Create(_folder.Path), SqliteOnlineStore.Open(_folder.Combine("online.db")), _folder.Path);
            });
}
