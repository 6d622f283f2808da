using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ModelDock.Repository;

/// <summary>Lists models and versions in a repository folder and fingerprints them to detect changes.</summary>
internal static class RepositoryScanner
{
    public static IReadOnlyList<string> ListModels(string repositoryPath) =>
        Directory.EnumerateDirectories(repositoryPath)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !name.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Version folders are positive integers written without sign or leading zeros; other folders are ignored.</summary>
    public static IReadOnlyList<long> ListVersions(string modelDirectory) =>
        Directory.EnumerateDirectories(modelDirectory)
            .Select(Path.GetFileName)
            .Select(name => TryParseVersion(name, out var v) ? v : 0)
            .Where(v => v > 0)
            .Order()
            .ToList();

    public static bool TryParseVersion(string? text, out long version)
    {
        version = 0;
        return text is { Length: > 0 } && text[0] is >= '1' and <= '9'
            && text.All(char.IsAsciiDigit)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out version);
    }

    /// <summary>
    /// Names and content hashes of the config files. Configs are tiny, and an edit that keeps the size can
    /// land within the file system's timestamp granularity, so their bytes are compared, not their times.
    /// </summary>
    public static string ConfigFingerprint(string modelDirectory)
    {
        var text = new StringBuilder();
        foreach (var file in ModelConfigReader.CandidateFiles(modelDirectory).Where(File.Exists))
        {
            text.Append(Path.GetFileName(file)).Append('#')
                .Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))).Append(';');
        }

        return text.ToString();
    }

    /// <summary>Names, sizes and write times of every file under a version folder (model files can be large: not hashed on every poll).</summary>
    public static string VersionFingerprint(string versionDirectory) =>
        Directory.Exists(versionDirectory)
            ? Describe(Directory.EnumerateFiles(versionDirectory, "*", SearchOption.AllDirectories), versionDirectory)
            : string.Empty;

    /// <summary>The whole model: config and every version folder.</summary>
    public static string ModelFingerprint(string modelDirectory)
    {
        var text = new StringBuilder(ConfigFingerprint(modelDirectory));
        foreach (var version in ListVersions(modelDirectory))
        {
            text.Append('[').Append(version).Append(']')
                .Append(VersionFingerprint(Path.Combine(modelDirectory, version.ToString(CultureInfo.InvariantCulture))));
        }

        return text.ToString();
    }

    private static string Describe(IEnumerable<string> files, string root)
    {
        var text = new StringBuilder();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            text.Append(Path.GetRelativePath(root, file)).Append('|')
                .Append(info.Length).Append('|')
                .Append(info.LastWriteTimeUtc.Ticks).Append(';');
        }

        return text.ToString();
    }
}
