import { useState } from 'react';
import { Platform, Pressable, Switch, Text, View } from 'react-native';

import { describeError, isApiError } from '../api/errors';
import {
  NOTIFICATION_KINDS,
  type Notification,
  type NotificationKind,
  type Preferences,
  type TelegramLink,
} from '../api/types';
import { colors } from '../components/theme';
import { Button, ErrorMessage, Loading, Notice, Screen, styles } from '../components/ui';
import { formatIstInstant } from '../domain/time';
import { strategyOf } from '../domain/notifications';
import {
  useMarkRead,
  useNotificationPreferences,
  useNotifications,
  useSaveNotificationPreferences,
} from '../hooks/useNotifications';
import { usePushState } from '../hooks/usePush';
import { useLinkTelegram, useTelegramStatus, useUnlinkTelegram } from '../hooks/useTelegram';
import { useNavigation } from '../navigation/Navigator';
import { useServices } from '../services';
import { KIND_LABEL } from './labels';

function NotificationItem({
  notification,
  now,
  onPress,
}: {
  notification: Notification;
  now: number;
  onPress: () => void;
}) {
  const unread = notification.read_at === null;
  // A kind this version does not know shows as what it says, with no label of its own.
  const kind = notification.kind === 'other' ? null : KIND_LABEL[notification.kind];
  const when = formatIstInstant(notification.created_at, now);
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={`${unread ? 'Unread: ' : ''}${notification.title}, ${when}`}
      onPress={onPress}
      style={[styles.card, unread && { borderColor: colors.primary, borderWidth: 1 }]}
      testID={`notification-${notification.id}`}
    >
      <View style={styles.kv}>
        <Text style={styles.itemTitle}>
          {unread ? '● ' : ''}
          {notification.title}
        </Text>
        <Text style={styles.muted}>{when}</Text>
      </View>
      <Text style={{ color: colors.text }}>{notification.body}</Text>
      {kind ? <Text style={styles.muted}>{kind}</Text> : null}
    </Pressable>
  );
}

function PreferenceSwitch({
  label,
  value,
  disabled,
  onChange,
  testID,
}: {
  label: string;
  value: boolean;
  disabled: boolean;
  onChange: (value: boolean) => void;
  testID: string;
}) {
  return (
    <View style={styles.kv}>
      <Text style={styles.label}>{label}</Text>
      <Switch
        accessibilityRole="switch"
        accessibilityLabel={label}
        accessibilityState={{ checked: value, disabled }}
        value={value}
        disabled={disabled}
        onValueChange={onChange}
        testID={testID}
      />
    </View>
  );
}

/** Why this phone gets no push, when it gets none; nothing while it does (or is asking). */
function PushOnThisDevice() {
  const push = usePushState();
  let why: string | null = null;
  if (push.status === 'unsupported') {
    why =
      Platform.OS === 'web'
        ? 'a browser cannot receive them. The list here (and Telegram) still has every one.'
        : 'Expo cannot push to it (a simulator?).';
  } else if (push.status === 'denied') {
    why = 'notifications are not allowed for this app in the system settings.';
  } else if (push.status === 'failed') {
    why = `it could not be registered (${push.reason}). Sign in again to retry.`;
  }
  if (!why) return null;
  return (
    <Text style={styles.muted} testID="notification-push-off">
      Push is off on this device: {why}
    </Text>
  );
}

const NO_BOT = 'Telegram is not set up on this server.';

/**
 * The Telegram chat notices go to: linked or not, and linking it with a one-time code. "Link
 * Telegram" asks for a code, opens the bot's link (Telegram then sends `/start <code>` for the
 * trader) and checks every 2 s until the chat is linked or the code has expired.
 */
function TelegramChat() {
  const { openUrl, now } = useServices();
  const [code, setCode] = useState<TelegramLink | null>(null);
  const nowMs = now();
  const live = code !== null && Date.parse(code.expires_at) > nowMs ? code : null;
  const status = useTelegramStatus(live !== null);
  const link = useLinkTelegram();
  const unlink = useUnlinkTelegram();
  const linked = status.data?.linked === true;
  if (code && linked) setCode(null);

  const startLinking = () => {
    unlink.reset();
    link.mutate(undefined, {
      onSuccess: (answer) => {
        setCode(answer);
        if (answer.link) void openUrl(answer.link);
      },
      onError: (error) => {
        if (isApiError(error) && error.code === 'NOT_FOUND') void status.refetch();
      },
    });
  };

  const actionError = link.error
    ? isApiError(link.error) && link.error.code === 'NOT_FOUND'
      ? NO_BOT
      : `Could not link Telegram: ${describeError(link.error)}`
    : unlink.error
      ? `Could not unlink Telegram: ${describeError(unlink.error)}`
      : null;

  let body;
  if (status.isPending) {
    body = <Loading label="Checking Telegram…" testID="telegram-loading" />;
  } else if (!status.data) {
    body = (
      <ErrorMessage
        message={`Could not check Telegram: ${describeError(status.error)}`}
        testID="telegram-error"
      />
    );
  } else if (!status.data.configured) {
    body = (
      <Text style={styles.muted} testID="telegram-status">
        {NO_BOT}
      </Text>
    );
  } else if (linked) {
    body = (
      <>
        <Text testID="telegram-status">A Telegram chat is linked: notices go there as well.</Text>
        <Button
          label="Unlink"
          variant="secondary"
          busy={unlink.isPending}
          onPress={() => unlink.mutate()}
          testID="telegram-unlink"
        />
      </>
    );
  } else {
    body = (
      <>
        <Text style={styles.muted} testID="telegram-status">
          No Telegram chat is linked.
        </Text>
        {live ? (
          <View style={styles.card} testID="telegram-code">
            <Text style={styles.label}>Your code: {live.code}</Text>
            <Text style={styles.muted}>
              {live.link
                ? `Open the bot and press Start, or send it /start ${live.code}.`
                : `Send the bot /start ${live.code}.`}{' '}
              The code works once, until {formatIstInstant(live.expires_at, nowMs)}. This screen updates once
              the chat is linked.
            </Text>
            {live.link ? (
              <>
                <Text selectable testID="telegram-bot-link">
                  {live.link}
                </Text>
                <Button
                  label="Open Telegram"
                  variant="secondary"
                  onPress={() => void openUrl(live.link ?? '')}
                  testID="telegram-open"
                />
              </>
            ) : null}
          </View>
        ) : code ? (
          <Notice
            tone="warning"
            message="That code has expired: link again for a new one."
            testID="telegram-expired"
          />
        ) : null}
        <Button label="Link Telegram" busy={link.isPending} onPress={startLinking} testID="telegram-link" />
      </>
    );
  }

  return (
    <View testID="telegram-chat">
      <Text style={styles.label}>Telegram chat</Text>
      {body}
      <ErrorMessage message={actionError} testID="telegram-action-error" />
    </View>
  );
}

/** Whether `kind` is pushed / sent to Telegram, given the muted kinds. */
function withKind(muted: string[], kind: NotificationKind, on: boolean): string[] {
  const others = muted.filter((k) => k !== kind);
  return on ? others : [...others, kind];
}

/**
 * Push, Telegram and which kinds they carry. A change saves the whole preferences at once,
 * keeping muted kinds this version does not know; while it saves the switches show the new
 * value, and if it fails they fall back to what the server last saved.
 */
function PreferencesSection() {
  const loaded = useNotificationPreferences();
  const save = useSaveNotificationPreferences();

  if (loaded.isPending) {
    return <Loading label="Loading preferences…" testID="notification-preferences-loading" />;
  }
  if (!loaded.data) {
    return (
      <>
        <ErrorMessage
          message={`Could not load preferences: ${describeError(loaded.error)}`}
          testID="notification-preferences-error"
        />
        <Button
          label="Load preferences again"
          variant="secondary"
          onPress={() => void loaded.refetch()}
          testID="notification-preferences-retry"
        />
      </>
    );
  }

  const shown: Preferences = save.isPending && save.variables ? save.variables : loaded.data;
  const change = (next: Partial<Preferences>) => save.mutate({ ...shown, ...next });

  return (
    <View testID="notification-preferences">
      <Text style={styles.sectionTitle}>Preferences</Text>
      <PreferenceSwitch
        label="Push notifications"
        value={shown.push}
        disabled={save.isPending}
        onChange={(push) => change({ push })}
        testID="notification-preferences-push"
      />
      <PushOnThisDevice />
      <PreferenceSwitch
        label="Telegram"
        value={shown.telegram}
        disabled={save.isPending}
        onChange={(telegram) => change({ telegram })}
        testID="notification-preferences-telegram"
      />
      <TelegramChat />
      <Text style={styles.muted}>Push and Telegram carry these kinds; the list here keeps every one.</Text>
      {NOTIFICATION_KINDS.map((kind) => (
        <PreferenceSwitch
          key={kind}
          label={KIND_LABEL[kind]}
          value={!shown.muted_kinds.includes(kind)}
          disabled={save.isPending}
          onChange={(on) => change({ muted_kinds: withKind(shown.muted_kinds, kind, on) })}
          testID={`notification-preferences-kind-${kind}`}
        />
      ))}
      <ErrorMessage
        message={save.isError ? `Could not save preferences: ${describeError(save.error)}` : null}
        testID="notification-preferences-save-error"
      />
    </View>
  );
}

/**
 * What happened to the user's strategies, newest first. Tapping one marks it read and, when it
 * is about a strategy, opens that strategy.
 */
export function NotificationsScreen() {
  const navigation = useNavigation();
  const { now } = useServices();
  const list = useNotifications();
  const markRead = useMarkRead();
  const nowMs = now();
  const unread = list.data?.unread ?? 0;

  const open = (notification: Notification) => {
    if (notification.read_at === null) markRead.mutate({ ids: [notification.id] });
    const strategyId = strategyOf(notification);
    if (strategyId) navigation.push({ name: 'strategyControl', strategyId });
  };

  return (
    <Screen title="Notifications" testID="notifications-screen">
      <Button
        label="Mark all read"
        variant="secondary"
        onPress={() => markRead.mutate({ all: true })}
        disabled={unread === 0}
        busy={markRead.isPending}
        testID="notifications-mark-all"
      />
      <ErrorMessage
        message={markRead.error ? describeError(markRead.error) : null}
        testID="notifications-mark-error"
      />

      {list.isPending ? (
        <Loading label="Loading notifications…" testID="notifications-loading" />
      ) : list.isError && !list.data ? (
        <>
          <ErrorMessage message={describeError(list.error)} testID="notifications-error" />
          <Button
            label="Try again"
            variant="secondary"
            onPress={() => void list.refetch()}
            testID="notifications-retry"
          />
        </>
      ) : list.data ? (
        <>
          {list.isError ? (
            <ErrorMessage
              message={`Could not refresh: ${describeError(list.error)}`}
              testID="notifications-refresh-error"
            />
          ) : null}
          {list.data.notifications.length === 0 ? (
            <Text style={styles.muted} testID="notifications-empty">
              No notifications yet. Fills, stop-losses and failures will show up here.
            </Text>
          ) : (
            list.data.notifications.map((notification) => (
              <NotificationItem
                key={notification.id}
                notification={notification}
                now={nowMs}
                onPress={() => open(notification)}
              />
            ))
          )}
        </>
      ) : null}

      <PreferencesSection />
    </Screen>
  );
}
