using System.CommandLine;
using ModelDock.Access;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary>
/// <c>modeldock keys ...</c>: API keys in the registry's store (the data folder, or PostgreSQL when configured), which
/// every server on that store accepts. A key's token is printed once, at creation; only its hash is stored.
/// </summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var keys = new Command("keys", "Create, list and revoke the API keys servers accept.");
        keys.Subcommands.Add(CreateKey());
        keys.Subcommands.Add(List());
        keys.Subcommands.Add(Revoke());
        return keys;
    }

    private static Command CreateKey()
    {
        var role = new Option<string>("--role") { Description = "admin (may change the server) or inference (may call models).", Required = true };
        role.AcceptOnlyFromAmong("admin", "inference");
        var name = new Option<string>("--name") { Description = "Who or what uses the key; changes are recorded under it.", DefaultValueFactory = _ => Environment.UserName };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("create", "Creates a key and prints its token once.") { role, name, dataDir };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var storage = CommonOptions.OpenRegistry(parse.GetValue(dataDir)!);
            var (key, token) = await new ApiKeys(storage.Keys, TimeProvider.System).CreateAsync(
                parse.GetValue(name)!, ApiKeyRoles.Parse(parse.GetValue(role)!), Environment.UserName, cancellationToken);
            Console.Error.WriteLine($"Created {ApiKeyRoles.Text(key.Role)} key {key.Id} ({key.Name}). Its token is shown only now; send it as 'Authorization: Bearer <token>':");
            Console.WriteLine(token);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var (dataDir, json) = (CommonOptions.DataDir(), CommandOutput.JsonOption());
        var command = new Command("list", "Lists keys without their secrets.") { dataDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var storage = CommonOptions.OpenRegistry(parse.GetValue(dataDir)!);
            var keys = await storage.Keys.ListAsync(cancellationToken);
            CommandOutput.Print(
                parse.GetValue(json),
                keys.Select(k => (object)new { id = k.Id, name = k.Name, role = ApiKeyRoles.Text(k.Role), created_by = k.CreatedBy, created_at = k.CreatedAt }),
                () =>
                {
                    var table = new Table().AddColumns("id", "name", "role", "created");
                    foreach (var k in keys)
                    {
                        table.AddRow(new Text(k.Id), new Text(k.Name), new Text(ApiKeyRoles.Text(k.Role)), new Text($"{k.CreatedAt:u} by {k.CreatedBy}"));
                    }

                    return table;
                });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke()
    {
        var id = new Argument<string>("id") { Description = "The key's id, as 'keys list' shows it." };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("revoke", "Deletes a key; servers refuse it within a few seconds.") { id, dataDir };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var storage = CommonOptions.OpenRegistry(parse.GetValue(dataDir)!);
            await storage.Keys.RevokeAsync(parse.GetValue(id)!, cancellationToken);
            Console.WriteLine($"Revoked key {parse.GetValue(id)}.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
