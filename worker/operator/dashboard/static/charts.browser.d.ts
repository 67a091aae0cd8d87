// Imported by the Worker as text (wrangler.toml [[rules]] type Text); the browser runs the .js.
declare const text: string;
export default text;
