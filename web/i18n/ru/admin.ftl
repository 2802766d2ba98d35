# Администрирование: пользователи и организации.

users-title = Пользователи
user-new = Новый пользователь
user-new-title = Новый пользователь
user-edit-title = Изменение пользователя
back-to-users = К списку пользователей

organisations-title = Организации
organisation-new = Новая организация
organisation-new-title = Новая организация
organisation-edit-title = Изменение организации
back-to-organisations = К списку организаций

org-kind-cert = CERT
org-kind-government = Государственный орган
org-kind-cii_operator = Оператор критической инфраструктуры
org-kind-private = Частная компания
org-kind-law_enforcement = Правоохранительный орган
org-kind-partner_cert = Партнёрский CERT
org-kind-public = Граждане

sector-none = Без отрасли
sector-energy = Энергетика
sector-transport = Транспорт
sector-banking = Банковское дело
sector-financial-market-infrastructure = Инфраструктура финансового рынка
sector-health = Здравоохранение
sector-drinking-water = Питьевая вода
sector-waste-water = Сточные воды
sector-digital-infrastructure = Цифровая инфраструктура
sector-ict-service-management = Управление ИКТ-услугами (B2B)
sector-public-administration = Государственное управление
sector-space = Космос
sector-postal-and-courier = Почтовые и курьерские услуги
sector-waste-management = Обращение с отходами
sector-chemicals = Химическая продукция
sector-food = Продукты питания
sector-manufacturing = Промышленное производство
sector-digital-providers = Поставщики цифровых услуг
sector-research = Научные исследования
sector-education = Образование
sector-defence-and-national-security = Оборона, национальная безопасность и правоохранительная деятельность
sector-other = Другое / вне отраслей

nav-sla = Целевые сроки SLA
sla-title = Целевые сроки SLA
sla-intro = Минуты от сообщения до подтверждения, локализации и решения инцидента каждой критичности. Изменение применяется к ожидаемым срокам открытых инцидентов; часы предупреждают на 75 % срока и сообщают о нарушениях.
sla-ack-minutes = Подтверждение (минуты)
sla-contain-minutes = Локализация (минуты)
sla-resolve-minutes = Решение (минуты)

field-nis2-entity = Субъект NIS2
nis2-entity-essential = Основной субъект
nis2-entity-important = Важный субъект
nis2-entity-none = Не субъект NIS2
