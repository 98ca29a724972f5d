import { act } from '@testing-library/react-native';
import { Linking } from 'react-native';

/**
 * React Native's Jest preset replaces `Linking` with `jest.fn`s; these play the OS's part:
 * the link that launched the app, and a link opened while it runs.
 */
export function launchWithLink(url: string): void {
  jest.mocked(Linking.getInitialURL).mockResolvedValueOnce(url);
}

/** Sends `url` to the app's newest `url` listener, as the OS does when a link is opened. */
export function openLink(url: string): void {
  const listeners = jest
    .mocked(Linking.addEventListener)
    .mock.calls.filter(([type]) => type === 'url')
    .map(([, listener]) => listener);
  const listener = listeners.at(-1);
  if (!listener) throw new Error('the app is not listening for links');
  act(() => {
    listener({ url });
  });
}
