using System.Net;
using Xunit;

namespace ModelDock.Tests;

/// <summary>Waits for a server the test started to answer its readiness route, failing at once if it exits first.</summary>
internal static class Readiness
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <param name="path">The readiness route: <c>v2/health/ready</c> for ModelDock.</param>
    /// <param name="exited">Whether the server has stopped, with what it said, so a failed start fails the test with its reason.</param>
    public static async Task WaitAsync(HttpClient http, TimeSpan patience, Func<(bool Exited, string Said)> exited, string path = "v2/health/ready")
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(patience.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (TimeProvider.System.GetTimestamp() < deadline)
        {
            var (stopped, said) = exited();
            Assert.False(stopped, $"the server exited before it was ready: {said}");
            try
            {
                using var response = await http.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(Poll);
        }

        Assert.Fail($"{http.BaseAddress}{path} was not ready within {patience.TotalSeconds:F0} s: {exited().Said}");
    }

    /// <summary>A <c>modeldock serve</c> process on <paramref name="httpPort"/>; the client is the caller's to dispose.</summary>
    public static async Task<HttpClient> WaitAsync(ModelDockProcess serve, int httpPort, TimeSpan patience)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
        try
        {
            await WaitAsync(http, patience, () => (serve.HasExited, serve.Errors));
            return http;
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }
}
