using System.Globalization;
using System.Text;

namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// The Lua script wrk runs: it POSTs one fixed body read from a file, counts the answers of every
/// thread by status, and at the end prints one line <see cref="WrkReport"/> parses. wrk itself counts
/// only statuses from 400 up as errors and has no notion of a refused request.
/// </summary>
internal static class WrkScript
{
    public const string ReportPrefix = "modeldock-bench";

    public static string Create(HttpLoad load, string bodyFile)
    {
        var script = new StringBuilder();
        script.AppendLine("wrk.method = \"POST\"");
        script.AppendLine(CultureInfo.InvariantCulture, $"local file = assert(io.open({LuaString(bodyFile)}, \"rb\"))");
        script.AppendLine("wrk.body = file:read(\"*a\")");
        script.AppendLine("file:close()");
        foreach (var header in load.Headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            // The spaces keep "[[" from opening a long string.
            script.AppendLine(CultureInfo.InvariantCulture,
                $"wrk.headers[ {LuaString(header[..colon].Trim())} ] = {LuaString(header[(colon + 1)..].Trim())}");
        }

        script.Append(
            """
            local threads = {}

            function setup(thread)
              table.insert(threads, thread)
            end

            function init(args)
              ok, rejected, other = 0, 0, 0
            end

            function response(status, headers, body)
              if status >= 200 and status < 300 then
                ok = ok + 1
              elseif status == 429 or status == 503 then
                rejected = rejected + 1
              else
                other = other + 1
              end
            end

            function done(summary, latency, requests)
              local ok, rejected, other = 0, 0, 0
              for _, thread in ipairs(threads) do
                ok = ok + thread:get("ok")
                rejected = rejected + thread:get("rejected")
                other = other + thread:get("other")
              end
              local e = summary.errors
            """);
        script.AppendLine();
        script.AppendLine(CultureInfo.InvariantCulture,
            $"  io.write(string.format(\"{ReportPrefix} ok=%.0f rejected=%.0f other=%.0f socket_errors=%.0f duration_us=%.0f p50_us=%.0f p99_us=%.0f\\n\",");
        script.AppendLine("    ok, rejected, other, e.connect + e.read + e.write + e.timeout, summary.duration, latency:percentile(50), latency:percentile(99)))");
        script.AppendLine("end");
        return script.ToString();
    }

    /// <summary>A Lua long string, which needs no escapes; the level is raised until the text cannot close it.</summary>
    private static string LuaString(string text)
    {
        var level = new string('=', 1);
        while (text.Contains(']' + level + ']', StringComparison.Ordinal))
        {
            level += '=';
        }

        return $"[{level}[{text}]{level}]";
    }
}
