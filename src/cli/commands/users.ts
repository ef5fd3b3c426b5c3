import { EXIT } from '../exit.ts';
import { outputOption, type OutputFormat } from '../options.ts';
import { print, table } from '../output.ts';
import type { Cli } from '../cli.ts';

interface UserView {
  name: string;
  grants: { role: string; environment: string }[];
  keys?: { keyid: string; alg: string; revoked?: boolean }[];
  tokens?: number;
}

/** Users and their roles per environment: user add, grant, revoke-role, token revoke, remove, list. */
export function register(cli: Cli): void {
  const { program, client, run, svc } = cli;
  const collect = (value: string, previous: string[]) => [...previous, value];
  const grantsOf = (user: UserView) => user.grants.map((g) => `${g.role}:${g.environment}`).join(', ');

  const user = program.command('user').description('users and their roles per environment (viewer, deployer, approver, admin)');
  user
    .command('add')
    .argument('<name>')
    .option('--role <role:environment>', 'a role on an environment, e.g. deployer:staging or approver:production (* = every environment); repeat it', collect, [])
    .option('--token', 'also issue a new token for an existing user')
    .description('add a user (and print a token once), or add roles to an existing one')
    .action(
      run(async (name: string, options: { role: string[]; token?: boolean }) => {
        const result = await client().request<{ user: UserView; token?: string }>('POST', '/v1/users', { name, roles: options.role, ...(options.token ? { token: true } : {}) });
        process.stdout.write(`user ${name}: ${grantsOf(result.user) || 'no roles'}\n`);
        if (result.token) process.stdout.write(`token (shown once; the server keeps only its hash): ${result.token}\n`);
        return EXIT.ok;
      }),
    );
  user
    .command('remove')
    .argument('<name>')
    .action(
      run(async (name: string) => {
        await client().request('DELETE', `/v1/users/${svc(name)}`);
        process.stdout.write(`user ${name} removed (tokens deleted, keys revoked)\n`);
        return EXIT.ok;
      }),
    );
  user
    .command('grant')
    .argument('<name>')
    .argument('<role:environment...>', 'roles to add, e.g. approver:production (* = every environment)')
    .description("add roles to a user, keeping the ones it has")
    .action(
      run(async (name: string, roles: string[]) => {
        const result = await client().request<{ user: UserView }>('POST', `/v1/users/${svc(name)}/grants`, { roles });
        process.stdout.write(`user ${name}: ${grantsOf(result.user) || 'no roles'}\n`);
        return EXIT.ok;
      }),
    );
  user
    .command('revoke-role')
    .argument('<name>')
    .argument('<role:environment...>', 'roles to take away, e.g. deployer:development')
    .description('take roles from a user (the last admin:* is kept: make another admin first)')
    .action(
      run(async (name: string, roles: string[]) => {
        let result: { user: UserView } | undefined;
        for (const role of roles) result = await client().request<{ user: UserView }>('DELETE', `/v1/users/${svc(name)}/grants/${svc(role)}`);
        process.stdout.write(`user ${name}: ${grantsOf(result!.user) || 'no roles'}\n`);
        return EXIT.ok;
      }),
    );
  const token = user.command('token').description("a user's API tokens");
  token
    .command('revoke')
    .argument('<name>')
    .description("revoke every API token of the user at once (its signing keys stay; `cutover user add NAME --token` issues a new token)")
    .action(
      run(async (name: string) => {
        const result = await client().request<{ revoked: number }>('DELETE', `/v1/users/${svc(name)}/tokens`);
        process.stdout.write(`user ${name}: ${result.revoked} token${result.revoked === 1 ? '' : 's'} revoked\n`);
        return EXIT.ok;
      }),
    );
  user
    .command('list')
    .addOption(outputOption())
    .action(
      run(async (options: { output: OutputFormat }) => {
        const { users } = await client().request<{ users: UserView[] }>('GET', '/v1/users');
        print(options.output, users, (list) =>
          table(
            ['USER', 'ROLES', 'KEYS'],
            list.map((u) => [u.name, grantsOf(u), (u.keys ?? []).filter((k) => !k.revoked).map((k) => k.keyid).join(', ') || '-']),
          ),
        );
        return EXIT.ok;
      }),
    );
}
