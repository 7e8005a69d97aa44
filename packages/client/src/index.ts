export {
  backoffDelay,
  type Client,
  ClientError,
  type ClientEvents,
  type ClientOptions,
  type ConnectionStatus,
  createClient,
  newClientMessageId,
  type SendOptions,
  type SocketConstructor,
} from './create-client.ts';
